// The translation unit that builds the precompiled LibTorch header every core layer reuses.
