#include "data/text.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace reverie::data::text {
namespace {

struct ClassWords {
    std::string name;
    std::vector<std::string> erase;   // offered to erasers
    std::vector<std::string> heldOut; // trained on, withheld from erasers
};

const std::vector<ClassWords>& lexicon() {
    static const std::vector<ClassWords> lex = {
        {"T-shirt/top", {"t shirt", "top", "tee shirt"}, {"tee"}},
        {"Trouser", {"trousers", "pants", "trouser"}, {"jeans"}},
        {"Pullover", {"pullover", "sweater"}, {"jumper"}},
        {"Dress", {"dress", "frock"}, {"gown"}},
        {"Coat", {"coat", "overcoat"}, {"jacket"}},
        {"Sandal", {"sandal", "sandals"}, {"flip flops"}},
        {"Shirt", {"shirt", "button down shirt"}, {"blouse"}},
        {"Sneaker", {"sneaker", "sneakers", "running shoes", "pair of running shoes"}, {"trainers", "tennis shoe"}},
        {"Bag", {"bag", "handbag", "purse"}, {"tote"}},
        {"Ankle boot", {"ankle boot", "boots"}, {"short boot"}},
    };
    return lex;
}

std::vector<std::string> expand(const std::vector<std::string>& syns) {
    std::vector<std::string> out;
    for (const auto& t : templates()) {
        const auto at = t.find("{}");
        for (const auto& s : syns) out.push_back(t.substr(0, at) + s + t.substr(at + 2));
    }
    return out;
}

const std::vector<std::vector<std::string>>& trainingTable() {
    static const std::vector<std::vector<std::string>> table = [] {
        std::vector<std::vector<std::string>> t;
        for (int c = 0; c < kClasses; ++c) t.push_back(expand(synonyms(c)));
        return t;
    }();
    return table;
}

bool isLetter(unsigned char u) { return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z'); }

std::uint64_t splitmix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

const std::vector<std::string> kEmpty;
const std::string kNoName;

bool validClass(int cls) { return cls >= 0 && cls < kClasses; }

} // namespace

const std::vector<std::string>& templates() {
    static const std::vector<std::string> t = {
        "{}",
        "a photo of {}",
        "a photo of a {}",
        "a picture of {}",
        "an image of a {}",
        "a black and white photo of {}",
        "a small photo of the {}",
        "a drawing of a {}",
    };
    return t;
}

const std::vector<std::string>& vocabulary() {
    static const std::vector<std::string> vocab = [] {
        std::set<std::string> all;
        for (const auto& t : templates())
            for (auto& w : words(t)) all.insert(w);
        for (const auto& c : lexicon()) {
            for (const auto& s : c.erase)
                for (auto& w : words(s)) all.insert(w);
            for (const auto& s : c.heldOut)
                for (auto& w : words(s)) all.insert(w);
        }
        std::vector<std::string> v = {"<pad>", "<null>"};
        v.insert(v.end(), all.begin(), all.end());
        return v;
    }();
    return vocab;
}

int vocabularySize() { return int(vocabulary().size()); }

int wordId(const std::string& word) {
    static const std::map<std::string, int> ids = [] {
        std::map<std::string, int> m;
        const auto& v = vocabulary();
        for (std::size_t i = 2; i < v.size(); ++i) m.emplace(v[i], int(i));
        return m;
    }();
    const auto it = ids.find(word);
    return it == ids.end() ? -1 : it->second;
}

std::vector<std::string> words(const std::string& prompt) {
    std::vector<std::string> out;
    std::string cur;
    for (const char ch : prompt) {
        const auto u = static_cast<unsigned char>(ch);
        if (isLetter(u)) {
            cur.push_back(char(u >= 'A' && u <= 'Z' ? u - 'A' + 'a' : u));
        } else if (!cur.empty()) {
            out.push_back(cur);
            cur.clear();
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

Result<std::vector<int>> tokenize(const std::string& prompt) {
    const auto ws = words(prompt);
    if (ws.empty()) return std::vector<int>{kNullId};
    std::vector<std::string> unknown;
    std::vector<int> ids;
    for (const auto& w : ws) {
        const int id = wordId(w);
        if (id < 0) {
            if (std::find(unknown.begin(), unknown.end(), w) == unknown.end()) unknown.push_back(w);
        } else {
            ids.push_back(id);
        }
    }
    if (!unknown.empty()) {
        std::string list;
        for (const auto& w : unknown) list += (list.empty() ? "'" : ", '") + w + "'";
        return Result<std::vector<int>>::invalid(std::string(unknown.size() == 1 ? "unknown word " : "unknown words ") +
                                                 list + " in prompt '" + prompt + "' (the model knows " +
                                                 std::to_string(vocabularySize() - 2) +
                                                 " words of Fashion-MNIST clothing, e.g. 'sneaker', 'bag', 'coat')");
    }
    if (int(ids.size()) > kMaxTokens)
        return Result<std::vector<int>>::invalid("prompt '" + prompt + "' has " + std::to_string(ids.size()) +
                                                 " words; at most " + std::to_string(kMaxTokens) + " are allowed");
    return ids;
}

const std::string& className(int cls) { return validClass(cls) ? lexicon()[std::size_t(cls)].name : kNoName; }

std::vector<std::string> synonyms(int cls) {
    if (!validClass(cls)) return {};
    const auto& c = lexicon()[std::size_t(cls)];
    std::vector<std::string> out = c.erase;
    out.insert(out.end(), c.heldOut.begin(), c.heldOut.end());
    return out;
}

const std::vector<std::string>& eraseSynonyms(int cls) {
    return validClass(cls) ? lexicon()[std::size_t(cls)].erase : kEmpty;
}

const std::vector<std::string>& heldOutSynonyms(int cls) {
    return validClass(cls) ? lexicon()[std::size_t(cls)].heldOut : kEmpty;
}

std::vector<std::string> trainingPrompts(int cls) { return validClass(cls) ? trainingTable()[std::size_t(cls)] : kEmpty; }
std::vector<std::string> erasePrompts(int cls) { return validClass(cls) ? expand(eraseSynonyms(cls)) : kEmpty; }
std::vector<std::string> heldOutPrompts(int cls) { return validClass(cls) ? expand(heldOutSynonyms(cls)) : kEmpty; }

int classOf(const std::string& wordOrPhrase) {
    const auto ws = words(wordOrPhrase);
    if (ws.empty()) return -1;
    auto joined = [](const std::vector<std::string>& v) {
        std::string s;
        for (const auto& w : v) s += (s.empty() ? "" : " ") + w;
        return s;
    };
    const std::string phrase = joined(ws);
    // An exact synonym or class name first.
    for (int c = 0; c < kClasses; ++c) {
        if (joined(words(className(c))) == phrase) return c;
        for (const auto& s : synonyms(c))
            if (joined(words(s)) == phrase) return c;
    }
    // Otherwise a single word that belongs to the synonyms of exactly one class.
    if (ws.size() != 1) return -1;
    int found = -1;
    for (int c = 0; c < kClasses; ++c) {
        bool in = false;
        for (const auto& s : synonyms(c))
            for (const auto& w : words(s)) in = in || w == ws[0];
        if (!in) continue;
        if (found >= 0) return -1;
        found = c;
    }
    return found;
}

const std::string& trainingPrompt(int cls, std::uint64_t seed, std::int64_t step, std::int64_t item) {
    if (!validClass(cls)) return kNoName;
    const auto& list = trainingTable()[std::size_t(cls)];
    const std::uint64_t h = splitmix(splitmix(splitmix(seed) ^ std::uint64_t(step)) ^ std::uint64_t(item));
    return list[std::size_t(h % list.size())];
}

} // namespace reverie::data::text
