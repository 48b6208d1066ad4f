"""Seeds N templates into an emulator database directly (copies of one real template row with new
IDs and creation times), so the scale benchmark does not spend minutes creating them."""

import random
import sqlite3
import string
import sys

DB, N = sys.argv[1], int(sys.argv[2])
conn = sqlite3.connect(DB)
row = conn.execute("SELECT id, account, region, name, resource_group_id, created_ms, spec FROM image_pipelines LIMIT 1").fetchone()
template_id, account, region, name, rg, created, spec = row
alphabet = string.ascii_lowercase + string.digits
rows = []
for i in range(N):
    new_id = "ip-" + "".join(random.choice(alphabet) for _ in range(20))
    rows.append((new_id, account, region, f"seed{i}", rg, created - i - 1, spec.replace(template_id, new_id)))
conn.executemany("INSERT INTO image_pipelines (id, account, region, name, resource_group_id, created_ms, spec) VALUES (?,?,?,?,?,?,?)", rows)
conn.commit()
print(conn.execute("SELECT COUNT(*) FROM image_pipelines").fetchone()[0])
