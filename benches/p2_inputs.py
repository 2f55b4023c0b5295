"""Inputs of benchmark P2: 10,000 exposures with sizes log-uniform on 1e3..1e8 records, mixed
data types and policy terms, and the default assumptions plus two systemic events.

Usage: python3 benches/p2_inputs.py OUT_DIR [EXPOSURES]   (standard library only; seeded)
Writes OUT_DIR/p2-exposures.csv, OUT_DIR/p2-assumptions.toml and, for the cost of the incident
types beside the data breach, OUT_DIR/p2-assumptions-breach-only.toml (the same without them).
"""
import math
import os
import random
import re
import sys

out = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
here = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20231031)
mixes = [
    "name;email",
    "name;address;email",
    "name;ssn;address",
    "name;ssn;bank_account;email",
    "name;address;health",
    "name;email;payment_card",
    "name;email;credentials",
]
vendors = ["acme-cloud", "northwind-hosting", "globex-payroll", "initech-crm"]
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "p2-exposures.csv"), "w") as f:
    f.write("id,records,data_types,vendor,retention,limit,aggregate_limit,share\n")
    for i in range(count):
        records = int(10 ** rng.uniform(3, 8))
        retention = rng.choice([10_000, 25_000, 100_000, 250_000, 1_000_000])
        limit = rng.choice([1_000_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000])
        share = rng.choice([1, 1, 1, 0.5, 0.25])
        f.write(f"p{i:05d},{records},{rng.choice(mixes)},{rng.choice(vendors)},{retention},{limit},{2 * limit},{share}\n")
with open(os.path.join(here, "..", "assumptions", "default.toml")) as f:
    defaults = f.read()
systemic = """
# Benchmark P2: two systemic events.
[[systemic]]
name = "cloud-provider-compromise"
annual_rate = 0.05
footprint = { dist = "beta", mean = 0.2, sd = 0.1 }
match = { vendor = "acme-cloud" }

[[systemic]]
name = "file-transfer-zero-day"
annual_rate = 0.1
footprint = { dist = "beta", mean = 0.03, sd = 0.02 }
"""


def breach_only(text):
    """The assumptions without the incident types beside the data breach: no [[incident]]
    tables, no components or (switched off) systemic scenarios of theirs, no coverage sections
    left empty, no business-interruption terms nor sublimits, and no controls (which name the
    types; P2's exposures have none)."""
    blocks = re.split(r"(?m)^(?=\[)", text)
    dropped = set()
    for block in blocks:
        if block.startswith("[[component]]") and re.search(r"(?m)^incident\s*=", block):
            dropped.add(re.search(r'(?m)^name\s*=\s*"([^"]+)"', block).group(1))
    kept = []
    for block in blocks:
        # (Controls name incident types and their components; P2's exposures use none.)
        if block.startswith("[[incident]]") or block.startswith("[[control]]"):
            continue
        if block.startswith("[[component]]") and re.search(r"(?m)^incident\s*=", block):
            continue
        if block.startswith("[[systemic]]") and re.search(r'(?m)^incident\s*=\s*"(?!data_breach")', block):
            continue
        if block.startswith("[[section]]"):
            listed = re.search(r"(?m)^components[ \t]*=[ \t]*\[(.*)\][ \t]*$", block)
            names = [n for n in re.findall(r'"([^"]+)"', listed.group(1)) if n not in dropped]
            if not names:
                continue
            quoted = ", ".join(f'"{n}"' for n in names)
            block = block[: listed.start()] + f"components = [{quoted}]" + block[listed.end() :]
        if block.startswith("[policy]"):
            block = re.sub(r"(?m)^(waiting_period_hours|period_of_restoration_hours)\s*=.*\n", "", block)
            block = re.sub(r"(?m)^(section_)?sublimits = .*$", lambda m: f"{m.group(1) or ''}sublimits = {{}}", block)
        kept.append(block)
    return "".join(kept)


with open(os.path.join(out, "p2-assumptions.toml"), "w") as f:
    f.write(defaults + systemic)
with open(os.path.join(out, "p2-assumptions-breach-only.toml"), "w") as f:
    f.write(breach_only(defaults) + systemic)
print(f"wrote {count} exposures and the assumptions into {out}")
