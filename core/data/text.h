#pragma once
// The text side of the text-conditional Fashion-MNIST model that the Erase workbench edits: a
// closed word-level vocabulary, its tokenizer and the prompt lexicon the model is trained on.
// Torch-free.
//
// Thread rules: everything here is immutable after first use (function-local statics); safe
// from any thread. Failure: tokenize() reports unknown words and over-long prompts as InvalidInput.

#include "base/job.h"

#include <cstdint>
#include <string>
#include <vector>

namespace reverie::data::text {

inline constexpr int kClasses = 10;
inline constexpr int kMaxTokens = 12; ///< words per prompt (the context length)
inline constexpr int kPadId = 0;      ///< "<pad>": fills the context after the last word
inline constexpr int kNullId = 1;     ///< "<null>": the empty prompt

/// Id → word: "<pad>", "<null>", then every word of the lexicon in sorted order.
const std::vector<std::string>& vocabulary();
int vocabularySize();
/// The id of a (lower-case) word, or −1.
int wordId(const std::string& word);

/// The lower-case words of a prompt (split on every non-letter byte).
std::vector<std::string> words(const std::string& prompt);

/// Tokenizer: lower-case, every byte that is not an ASCII letter separates words ("T-Shirt!" →
/// "t", "shirt"); every word must be in the vocabulary (the words of the lexicon). The empty prompt
/// (no words at all, e.g. "" or "  ") is the single <null> token: the unconditional prompt of
/// classifier-free guidance and the default guide of concept erasure.
/// Word ids of a prompt, 1..kMaxTokens of them (no padding); "" → {kNullId}. Errors
/// (InvalidInput): unknown words (all of them named), more than kMaxTokens words.
Result<std::vector<int>> tokenize(const std::string& prompt);

/// "T-shirt/top", "Trouser", … (Fashion-MNIST's names); "" for an out-of-range class.
const std::string& className(int cls);

// Lexicon: per class, synonyms/paraphrases × templates ("a photo of {}", "{}", …). Each class's
// synonyms are split in two:
//   * erase synonyms: trained on AND offered to erasers (erasePrompts());
//   * held-out synonyms: trained on but NEVER offered to erasers (heldOutPrompts()), so an
//     erasure method is scored on wordings it did not see: it has to generalise across
//     paraphrases through the text encoder, not just remap the tokens it was given.
// Every class has at least one held-out synonym, and no held-out prompt is an erase prompt. Some
// words are shared between classes on purpose ("shirt" in "t shirt" and "shirt"): closeness in
// wording is part of what an eraser has to cope with.
//
/// The prompt templates; "{}" marks where the synonym goes.
const std::vector<std::string>& templates();
/// All synonyms of a class (erase ones first, then held-out ones); empty for a bad class.
std::vector<std::string> synonyms(int cls);
/// The synonyms an eraser may use.
const std::vector<std::string>& eraseSynonyms(int cls);
/// The synonyms trained on but withheld from erasers.
const std::vector<std::string>& heldOutSynonyms(int cls);

/// templates × synonyms(cls): what the model is trained on for class cls.
std::vector<std::string> trainingPrompts(int cls);
/// templates × eraseSynonyms(cls).
std::vector<std::string> erasePrompts(int cls);
/// templates × heldOutSynonyms(cls).
std::vector<std::string> heldOutPrompts(int cls);

/// The class a synonym, a word of a synonym or a class name belongs to ("jeans" → 1,
/// "Ankle boot" → 9), −1 if none or if the word is shared by several classes ("shirt" alone is
/// the Shirt class: an exact synonym wins over a shared word).
int classOf(const std::string& wordOrPhrase);

/// The training prompt of one item: a function of (seed, step, item) alone, uniform over
/// trainingPrompts(cls), so a resumed run sees the prompts of a straight one.
const std::string& trainingPrompt(int cls, std::uint64_t seed, std::int64_t step, std::int64_t item);

} // namespace reverie::data::text
