"""DNA database registry, DNA sample references and their chain of custody, lab match reports.

casework stores references only: sample identifiers held by laboratories and DNA databases,
never DNA profiles.
"""
