"""The writable knowledge base (catalog, index, model, lexicon and themes kept in agreement) and the domain
operations on it that the CLI and the web app share. The top of kb: it may import every other kb package."""
