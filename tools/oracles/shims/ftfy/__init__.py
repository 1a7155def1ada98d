"""Stand-in for ftfy (not packaged in Debian) when the oracle runs OpenAI's simple_tokenizer.

fix_text() returns the text unchanged. make_clip_fixtures.py only gives the official tokenizer
prompts that ftfy leaves as they are (NFC text without curly quotes, Latin ligatures or
full-width forms), and checks that they hold none of those; Reverie's handling of those cases is
tested against ftfy's documented behaviour in tests/core/tst_sd.cpp instead.
"""


def fix_text(text, *args, **kwargs):
    return text
