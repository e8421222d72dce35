"""The domain: settings, records, the catalog and index, the model, search, the directory, the library, the store.
Imports no web, PDF or CLI library; each package says what it may import (ARCHITECTURE.md)."""
