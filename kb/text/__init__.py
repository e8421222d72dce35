"""Words and values as people write them: tokens and stems, language detection, checks of typed form values.
Pure functions; it imports kb.errors only."""
