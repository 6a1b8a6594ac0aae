"""The live preview: serve drafts that rebuild on every save."""
