"""The embedding model: building the bundled folder and its ONNX graphs, tokenising, embedding, language bias.
Build-time code a newcomer can skip; it imports kb.errors and kb.settings only."""
