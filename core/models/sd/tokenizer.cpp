#include "models/sd/tokenizer.h"

#include "models/zoo.h"

#include <ATen/ATen.h>

#include <zlib.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <limits>
#include <sstream>

namespace reverie::models::sd {
namespace {

struct CodeRange {
    char32_t first, last;
};
struct LowerEntry {
    char32_t cp;
    std::array<char32_t, 3> lower;
};
#include "models/sd/unicode_tables.inc"

constexpr std::int64_t kMerges = 49152 - 256 - 2; // 48 894 merge lines after the header

template <std::size_t N>
bool inRanges(const CodeRange (&table)[N], char32_t c) {
    const auto* end = table + N;
    const auto* it = std::upper_bound(table, end, c, [](char32_t v, const CodeRange& r) { return v < r.first; });
    return it != table && c <= (it - 1)->last;
}

bool isLetter(char32_t c) { return inRanges(kLetterRanges, c); }
bool isNumber(char32_t c) { return inRanges(kNumberRanges, c); }
// Unicode's White_Space property (what \s matches in the reference pattern).
bool isSpace(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
           c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// UTF-8 → code points; an invalid byte becomes U+FFFD (the reference reads text as Unicode).
std::u32string decodeUtf8(const std::string& s) {
    std::u32string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        int n = b < 0x80 ? 0 : (b >> 5) == 0x6 ? 1 : (b >> 4) == 0xE ? 2 : (b >> 3) == 0x1E ? 3 : -1;
        char32_t c = n == 0 ? b : n == 1 ? (b & 0x1F) : n == 2 ? (b & 0x0F) : (b & 0x07);
        bool ok = n >= 0 && i + std::size_t(n) < s.size(); // the continuation bytes are there
        for (int k = 1; ok && k <= n; ++k) {
            const auto cb = static_cast<unsigned char>(s[i + std::size_t(k)]);
            if ((cb & 0xC0) != 0x80) ok = false;
            c = (c << 6) | (cb & 0x3F);
        }
        if (ok && ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) || (n == 3 && c < 0x10000) || c > 0x10FFFF ||
                   (c >= 0xD800 && c <= 0xDFFF)))
            ok = false;
        if (!ok) {
            out.push_back(0xFFFD);
            ++i;
        } else {
            out.push_back(c);
            i += std::size_t(n) + 1;
        }
    }
    return out;
}

void appendUtf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out.push_back(char(c));
    } else if (c < 0x800) {
        out.push_back(char(0xC0 | (c >> 6)));
        out.push_back(char(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(char(0xE0 | (c >> 12)));
        out.push_back(char(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(char(0x80 | (c & 0x3F)));
    } else {
        out.push_back(char(0xF0 | (c >> 18)));
        out.push_back(char(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(char(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(char(0x80 | (c & 0x3F)));
    }
}

std::string encodeUtf8(const std::u32string& s) {
    std::string out;
    out.reserve(s.size());
    for (char32_t c : s) appendUtf8(out, c);
    return out;
}

// ftfy's uncurl_quotes, fix_latin_ligatures and fix_character_width, as far as typed prompts need.
std::u32string fixText(const std::u32string& s) {
    static const char32_t* const kLigatures[] = {U"ff", U"fi", U"fl", U"ffi", U"ffl", U"st", U"st"};
    std::u32string out;
    out.reserve(s.size());
    for (char32_t c : s) {
        if (c >= 0x2018 && c <= 0x201B) out.push_back(U'\'');
        else if (c >= 0x201C && c <= 0x201F) out.push_back(U'"');
        else if (c >= 0xFB00 && c <= 0xFB06) out += kLigatures[c - 0xFB00];
        else if (c >= 0xFF01 && c <= 0xFF5E) out.push_back(c - 0xFF01 + 0x21);
        else if (c == 0x3000) out.push_back(U' ');
        else out.push_back(c);
    }
    return out;
}

// One pass of HTML character-reference decoding: &#NN; &#xHH; and the common named ones.
std::u32string unescapeHtml(const std::u32string& s) {
    static const std::pair<std::u32string_view, char32_t> kNamed[] = {
        {U"amp;", U'&'}, {U"lt;", U'<'}, {U"gt;", U'>'}, {U"quot;", U'"'}, {U"apos;", U'\''}, {U"nbsp;", 0xA0}};
    std::u32string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != U'&') {
            out.push_back(s[i]);
            continue;
        }
        const std::u32string_view rest(s.data() + i + 1, s.size() - i - 1);
        bool done = false;
        for (const auto& [name, c] : kNamed) {
            if (rest.substr(0, name.size()) == name) {
                out.push_back(c);
                i += name.size();
                done = true;
                break;
            }
        }
        if (!done && !rest.empty() && rest[0] == U'#') {
            const bool hex = rest.size() > 1 && (rest[1] == U'x' || rest[1] == U'X');
            std::size_t k = hex ? 2 : 1;
            std::uint64_t v = 0;
            const std::size_t digitsAt = k;
            for (; k < rest.size() && k < digitsAt + 8; ++k) {
                const char32_t d = rest[k];
                int digit = -1;
                if (d >= U'0' && d <= U'9') digit = int(d - U'0');
                else if (hex && d >= U'a' && d <= U'f') digit = int(d - U'a' + 10);
                else if (hex && d >= U'A' && d <= U'F') digit = int(d - U'A' + 10);
                if (digit < 0) break;
                v = v * (hex ? 16 : 10) + std::uint64_t(digit);
            }
            if (k > digitsAt) {
                const bool semicolon = k < rest.size() && rest[k] == U';';
                // Python's html.unescape: invalid code points become U+FFFD.
                const char32_t c = (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) ? char32_t(0xFFFD) : char32_t(v);
                out.push_back(c);
                i += k + (semicolon ? 1 : 0);
                done = true;
            }
        }
        if (!done) out.push_back(U'&');
    }
    return out;
}

std::u32string lower(const std::u32string& s) {
    std::u32string out;
    out.reserve(s.size());
    const auto* begin = std::begin(kLowerMap);
    const auto* end = std::end(kLowerMap);
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char32_t c = s[i];
        if (c < 0x80) {
            out.push_back(c >= U'A' && c <= U'Z' ? c + 32 : c);
            continue;
        }
        // Unicode's Final_Sigma condition (Python applies it): Σ after a letter and not before
        // one is the final form ς.
        if (c == 0x03A3 && i > 0 && isLetter(s[i - 1]) && !(i + 1 < s.size() && isLetter(s[i + 1]))) {
            out.push_back(0x03C2);
            continue;
        }
        const auto* it = std::lower_bound(begin, end, c, [](const LowerEntry& e, char32_t v) { return e.cp < v; });
        if (it != end && it->cp == c) {
            for (char32_t l : it->lower)
                if (l) out.push_back(l);
        } else {
            out.push_back(c);
        }
    }
    return out;
}

// GPT-2's reversible byte → printable-character table: the printable Latin-1 bytes keep their
// code point, the other 68 bytes take 256, 257, … in byte order.
std::vector<char32_t> byteToCodePoint() {
    std::vector<char32_t> table(256);
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        table[std::size_t(b)] = printable ? char32_t(b) : next++;
    }
    return table;
}

Result<std::string> readMaybeGzip(const std::string& path) {
    gzFile f = gzopen(path.c_str(), "rb"); // reads plain files too
    if (!f) return Result<std::string>::invalid(path + ": cannot open the vocabulary file");
    std::string data;
    std::array<char, 1 << 16> buf{};
    for (;;) {
        const int got = gzread(f, buf.data(), unsigned(buf.size()));
        if (got < 0) {
            int code = 0;
            const std::string why = gzerror(f, &code);
            gzclose(f);
            return Result<std::string>::invalid(path + ": corrupt vocabulary file (" + why + ")");
        }
        if (got == 0) break;
        data.append(buf.data(), std::size_t(got));
        if (data.size() > (64u << 20)) {
            gzclose(f);
            return Result<std::string>::invalid(path + ": not a CLIP vocabulary (more than 64 MiB of text)");
        }
    }
    gzclose(f);
    return data;
}

} // namespace

std::string ClipTokenizer::shippedVocabulary() {
    return zoo::findResource("clip/bpe_simple_vocab_16e6.txt.gz");
}

Result<ClipTokenizer> ClipTokenizer::load(const std::string& pathIn) {
    using R = Result<ClipTokenizer>;
    const std::string path = pathIn.empty() ? shippedVocabulary() : pathIn;
    if (path.empty()) return R::invalid("the CLIP vocabulary (resources/clip/bpe_simple_vocab_16e6.txt.gz) was not found");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return R::invalid(path + ": no such vocabulary file");
    auto text = readMaybeGzip(path);
    if (!text) return text.error();
    std::istringstream in(text.value());
    std::string line;
    if (!std::getline(in, line) || line.find("#version") == std::string::npos)
        return R::invalid(path + ": not a CLIP merges file (the first line should be its \"#version\" header)");
    ClipTokenizer t;
    const auto table = byteToCodePoint();
    t.m_byteSymbol.resize(256);
    for (int b = 0; b < 256; ++b) {
        std::string sym;
        appendUtf8(sym, table[std::size_t(b)]);
        t.m_byteSymbol[std::size_t(b)] = sym;
        t.m_symbolByte[sym] = std::uint8_t(b);
    }
    // Byte symbols in table order (printable bytes first), as the reference builds its vocabulary.
    std::vector<int> order;
    for (int b = 0; b < 256; ++b)
        if (table[std::size_t(b)] < 256) order.push_back(b);
    for (int b = 0; b < 256; ++b)
        if (table[std::size_t(b)] >= 256) order.push_back(b);
    for (int b : order) t.m_vocab.push_back(t.m_byteSymbol[std::size_t(b)]);
    for (int b : order) t.m_vocab.push_back(t.m_byteSymbol[std::size_t(b)] + "</w>");
    std::int64_t rank = 0;
    while (rank < kMerges && std::getline(in, line)) {
        const auto space = line.find(' ');
        if (space == std::string::npos || space == 0 || space + 1 >= line.size() || line.find(' ', space + 1) != std::string::npos)
            return R::invalid(path + ": line " + std::to_string(rank + 2) + " is not a merge (two symbols separated by one space)");
        t.m_ranks.emplace(line, rank);
        t.m_vocab.push_back(line.substr(0, space) + line.substr(space + 1));
        ++rank;
    }
    if (rank != kMerges)
        return R::invalid(path + ": not the CLIP vocabulary (" + std::to_string(rank) + " merges, expected " +
                          std::to_string(kMerges) + ")");
    t.m_vocab.push_back("<|startoftext|>");
    t.m_vocab.push_back("<|endoftext|>");
    for (std::size_t i = 0; i < t.m_vocab.size(); ++i) t.m_ids.emplace(t.m_vocab[i], std::int64_t(i)); // first wins
    return t;
}

std::string ClipTokenizer::clean(const std::string& utf8) {
    std::u32string s = fixText(decodeUtf8(utf8));
    s = unescapeHtml(unescapeHtml(s));
    std::u32string out;
    bool pendingSpace = false;
    for (char32_t c : s) {
        if (isSpace(c)) {
            pendingSpace = !out.empty();
            continue;
        }
        if (pendingSpace) out.push_back(U' ');
        pendingSpace = false;
        out.push_back(c);
    }
    return encodeUtf8(lower(out));
}

std::vector<std::string> ClipTokenizer::split(const std::string& cleaned) {
    static const std::u32string kSpecial[] = {U"<|startoftext|>", U"<|endoftext|>"};
    static const std::u32string kContractions[] = {U"'s", U"'t", U"'re", U"'ve", U"'m", U"'ll", U"'d"};
    const std::u32string s = decodeUtf8(cleaned);
    std::vector<std::string> pieces;
    auto startsWith = [&](std::size_t i, const std::u32string& w) { return s.compare(i, w.size(), w) == 0; };
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t len = 0;
        for (const auto& w : kSpecial)
            if (!len && startsWith(i, w)) len = w.size();
        for (const auto& w : kContractions)
            if (!len && startsWith(i, w)) len = w.size();
        if (!len && isLetter(s[i])) {
            len = 1;
            while (i + len < s.size() && isLetter(s[i + len])) ++len;
        } else if (!len && isNumber(s[i])) {
            len = 1;
        } else if (!len && !isSpace(s[i])) {
            len = 1;
            while (i + len < s.size() && !isSpace(s[i + len]) && !isLetter(s[i + len]) && !isNumber(s[i + len])) ++len;
        }
        if (len == 0) { // white space between pieces
            ++i;
            continue;
        }
        pieces.push_back(encodeUtf8(s.substr(i, len)));
        i += len;
    }
    return pieces;
}

std::vector<std::int64_t> ClipTokenizer::bpe(const std::string& piece) const {
    if (piece == "<|startoftext|>") return {kClipStartId};
    if (piece == "<|endoftext|>") return {kClipEndId};
    std::vector<std::string> word;
    for (unsigned char b : piece) word.push_back(m_byteSymbol[b]);
    if (word.empty()) return {};
    word.back() += "</w>";
    while (word.size() > 1) {
        std::int64_t best = std::numeric_limits<std::int64_t>::max();
        std::size_t at = 0;
        for (std::size_t k = 0; k + 1 < word.size(); ++k) {
            const auto it = m_ranks.find(word[k] + " " + word[k + 1]);
            if (it != m_ranks.end() && it->second < best) {
                best = it->second;
                at = k;
            }
        }
        if (best == std::numeric_limits<std::int64_t>::max()) break;
        const std::string first = word[at], second = word[at + 1];
        std::vector<std::string> merged;
        merged.reserve(word.size());
        for (std::size_t k = 0; k < word.size();) {
            if (k + 1 < word.size() && word[k] == first && word[k + 1] == second) {
                merged.push_back(first + second);
                k += 2;
            } else {
                merged.push_back(word[k]);
                ++k;
            }
        }
        word = std::move(merged);
    }
    std::vector<std::int64_t> ids;
    ids.reserve(word.size());
    for (const auto& w : word) ids.push_back(m_ids.at(w)); // every byte symbol and merge is in the vocabulary
    return ids;
}

std::vector<std::int64_t> ClipTokenizer::encode(const std::string& utf8) const {
    std::vector<std::int64_t> ids;
    for (const auto& piece : split(clean(utf8))) {
        const auto p = bpe(piece);
        ids.insert(ids.end(), p.begin(), p.end());
    }
    return ids;
}

std::string ClipTokenizer::decode(const std::vector<std::int64_t>& ids) const {
    std::string symbols;
    for (auto id : ids)
        if (id >= 0 && id < vocabSize()) symbols += m_vocab[std::size_t(id)];
    // Symbols are byte symbols in UTF-8; "</w>" marks a word end.
    std::string bytes;
    const std::u32string cps = decodeUtf8(symbols);
    const auto table = byteToCodePoint();
    std::vector<int> back(512, -1);
    for (int b = 0; b < 256; ++b) back[std::size_t(table[std::size_t(b)])] = b;
    for (std::size_t i = 0; i < cps.size(); ++i) {
        if (cps.compare(i, 4, U"</w>") == 0) {
            bytes.push_back(' ');
            i += 3;
            continue;
        }
        if (cps[i] < 512 && back[cps[i]] >= 0) bytes.push_back(char(back[cps[i]]));
        else appendUtf8(bytes, cps[i]); // the special tokens' own characters
    }
    return encodeUtf8(decodeUtf8(bytes));
}

TokenizedBatch ClipTokenizer::tokenize(const std::vector<std::string>& prompts, std::int64_t context,
                                       std::int64_t padId) const {
    TokenizedBatch out;
    const auto B = std::int64_t(prompts.size());
    context = std::max<std::int64_t>(context, 2);
    out.ids = at::full({B, context}, padId, at::kLong);
    auto acc = out.ids.accessor<std::int64_t, 2>();
    for (std::int64_t b = 0; b < B; ++b) {
        auto ids = encode(prompts[std::size_t(b)]);
        const bool cut = std::int64_t(ids.size()) > context - 2;
        if (cut) ids.resize(std::size_t(context - 2));
        acc[b][0] = kClipStartId;
        for (std::size_t k = 0; k < ids.size(); ++k) acc[b][std::int64_t(k) + 1] = ids[k];
        acc[b][std::int64_t(ids.size()) + 1] = kClipEndId;
        out.lengths.push_back(int(ids.size()) + 2);
        out.truncated.push_back(cut);
    }
    return out;
}

} // namespace reverie::models::sd
