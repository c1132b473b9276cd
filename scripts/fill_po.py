"""Fill msgstr in a .po from a Python dict literal file: fill_po.py PO DICTFILE.

Prints the msgids still untranslated.
"""
import sys
from babel.messages.pofile import read_po, write_po
path = sys.argv[1]
table = eval(open(sys.argv[2]).read())
with open(path, "rb") as f:
    cat = read_po(f)
missing = []
for m in cat:
    if not m.id:
        continue
    key = m.id if isinstance(m.id, str) else m.id[0]
    if key in table:
        m.string = table[key]
        m.flags.discard("fuzzy")
    elif not m.string:
        missing.append(key)
with open(path, "wb") as f:
    write_po(f, cat, width=100)
print("missing:", missing)
