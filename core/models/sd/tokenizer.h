#pragma once
// The CLIP byte-level BPE tokenizer, as Stable Diffusion 1.x feeds its text encoder.
//
//   auto tok = ClipTokenizer::load();                 // the shipped vocabulary (resources/clip)
//   auto ids = tok.value().encode("a photo of a cat");  // {320, 1125, 539, 320, 2368}
//   auto batch = tok.value().tokenize({"a cat", "a dog"}); // [2, 77] int64: SOT, ids, EOT, EOT…
//
// The vocabulary is OpenAI CLIP's `bpe_simple_vocab_16e6.txt.gz` (MIT licence; the notice is
// resources/clip/LICENSE): its first line is a header, the next 48 894 lines are merges in rank
// order. Token ids: 0–255 the 256 byte symbols, 256–511 the same with the end-of-word mark
// "</w>", then one id per merge, then <|startoftext|> = 49406 and <|endoftext|> = 49407
// (49 408 in all).
//
// encode(text), step by step (Radford et al. 2021, CLIP; the published tokenizer):
//  1. clean: the parts of ftfy.fix_text that change typed prompts — curly quotes to straight
//     ones (U+2018–201B → ', U+201C–201F → "), the Latin ligatures U+FB00–FB06 spelt out,
//     full-width forms U+FF01–FF5E to ASCII and U+3000 to a space; then HTML character
//     references are decoded twice (numeric ones and &amp; &lt; &gt; &quot; &apos; &nbsp;),
//     runs of Unicode white space become one space, the ends are trimmed, and the text is
//     lower-cased with full Unicode case mapping. Not done: ftfy's mojibake repair and NFC
//     normalisation (a decomposed "é" stays two code points), HTML5's other named references.
//  2. split (leftmost alternative first, as the reference regular expression): <|startoftext|>,
//     <|endoftext|>, the contractions 's 't 're 've 'm 'll 'd, a run of letters (\p{L}), a single
//     number character (\p{N}), a run of anything else that is not white space; white space
//     between pieces is dropped.
//  3. each piece's UTF-8 bytes map to the 256 byte symbols; the last symbol gets "</w>"; the
//     lowest-ranked adjacent pair is merged everywhere (left to right) until no pair has a rank.
// Unicode classes and case mapping come from tables generated from Unicode 14.0
// (tools/unicode/make_clip_tables.py); the reference uses the `regex` module's Unicode version,
// which differs only for characters added since.
//
// tokenize(): Stable Diffusion's layout — <|startoftext|>, at most context − 2 ids (longer
// prompts are cut, and `truncated` says which), <|endoftext|>, then padding with `padId`
// (<|endoftext|> for SD 1.x, as its CLIPTokenizer pads; 0 for OpenAI CLIP's own padding).

#include "base/job.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace reverie::models::sd {

constexpr std::int64_t kClipVocabSize = 49408;
constexpr std::int64_t kClipStartId = 49406;
constexpr std::int64_t kClipEndId = 49407;
constexpr std::int64_t kClipContext = 77;

struct TokenizedBatch {
    at::Tensor ids;              ///< [B, context] int64
    std::vector<int> lengths;    ///< ids per prompt including SOT and EOT (the position of EOT + 1)
    std::vector<bool> truncated; ///< the prompt had more than context − 2 tokens
};

class ClipTokenizer {
public:
    /// Reads a merges file (.txt or .txt.gz). An empty path opens the shipped one. Refuses a file
    /// that is not a CLIP merges list (wrong header, malformed lines, a merge count other than
    /// 48 894) with a message that says which.
    static Result<ClipTokenizer> load(const std::string& path = {});
    /// The shipped vocabulary's path (resources/clip/bpe_simple_vocab_16e6.txt.gz), or "" if it
    /// was not found.
    static std::string shippedVocabulary();

    /// Token ids of the text, without start and end tokens.
    std::vector<std::int64_t> encode(const std::string& utf8) const;
    /// The text of ids ("</w>" becomes a space; bytes that are not valid UTF-8 become U+FFFD).
    std::string decode(const std::vector<std::int64_t>& ids) const;
    /// Stable Diffusion's [B, context] batch (see the top of this file).
    TokenizedBatch tokenize(const std::vector<std::string>& prompts, std::int64_t context = kClipContext,
                            std::int64_t padId = kClipEndId) const;
    /// The cleaned, lower-cased text that step 2 splits (exposed for tests).
    static std::string clean(const std::string& utf8);
    /// The pieces step 2 cuts the cleaned text into (exposed for tests).
    static std::vector<std::string> split(const std::string& cleaned);

    std::int64_t vocabSize() const { return std::int64_t(m_vocab.size()); }
    const std::string& symbol(std::int64_t id) const { return m_vocab.at(std::size_t(id)); }

private:
    std::vector<std::string> m_vocab;                          ///< id → symbol (byte-symbol UTF-8)
    std::unordered_map<std::string, std::int64_t> m_ids;       ///< symbol → id
    std::unordered_map<std::string, std::int64_t> m_ranks;     ///< "left right" → merge rank
    std::vector<std::string> m_byteSymbol;                     ///< byte → its symbol (UTF-8)
    std::unordered_map<std::string, std::uint8_t> m_symbolByte;

    std::vector<std::int64_t> bpe(const std::string& piece) const;
};

} // namespace reverie::models::sd
