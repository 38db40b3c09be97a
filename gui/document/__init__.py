"""The open document: the phrase the editor holds, its edits as commands, its files."""
