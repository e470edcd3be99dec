"""PDF documents: the citizen's summary to hand over after a conversation, and the
quarterly report per job centre. Drawn with reportlab: text as text (so it can be
read, searched and extracted) and charts as vector graphics."""
