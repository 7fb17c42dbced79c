package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rolemine/datasets"
)

// notebooksDir is the repository's notebooks/ folder.
var notebooksDir = filepath.Join("..", "..", "notebooks")

// testNotebooks executes every notebook of notebooks/ against the demo
// database (each must render, with charts) and against an empty one (each
// must still render, saying what to run).
func testNotebooks(t *testing.T, db, out string) {
	files, err := filepath.Glob(filepath.Join(notebooksDir, "*.md"))
	if err != nil || len(files) < 4 {
		t.Fatalf("notebooks: %v, %d files, want at least 4", err, len(files))
	}
	empty := filepath.Join(t.TempDir(), "empty.duckdb")
	store, err := datasets.Open(context.Background(), empty)
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".md")
		t.Run(name, func(t *testing.T) {
			page := filepath.Join(out, "notebooks", name+".html")
			var stderr bytes.Buffer
			if err := run(context.Background(), []string{"notebook", "run", "--db", db, "--out", page, f}, &bytes.Buffer{}, &stderr); err != nil {
				t.Fatalf("notebook run %s: %v\n%s", f, err, stderr.String())
			}
			html := read(t, page)
			if !strings.Contains(html, `<svg class="chart"`) {
				t.Errorf("%s: no chart drawn", name)
			}
			if strings.Contains(html, hostileRole) {
				t.Errorf("%s: hostile role name not escaped", name)
			}
			var buf bytes.Buffer
			if err := run(context.Background(), []string{"notebook", "run", "--db", empty, "--out", "-", f}, &buf, &stderr); err != nil {
				t.Fatalf("notebook run %s on an empty database: %v\n%s", f, err, stderr.String())
			}
			if !strings.Contains(buf.String(), "no data yet") && !strings.Contains(buf.String(), "no rows") {
				t.Errorf("%s on an empty database says nothing is there", name)
			}
		})
	}
}

// A failing cell is an error naming the notebook file and the cell's line.
func TestNotebookErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "db.duckdb")
	store, err := datasets.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	tests := []struct {
		name, src, want string
	}{
		{"bad sql", "# T\n\ntext\n\n```sql\nSELECT nonsense FROM nowhere\n```\n", "bad.md:5: sql cell: "},
		{"unknown key", "# T\n```sql\nSELECT 1 AS a\n```\n\n```chart\nx: a\ny: a\ncolour: red\n```\n", "bad.md:6: chart cell: line 3 of the cell: unknown key \"colour\""},
		{"unknown column", "# T\n```sql\nSELECT 1 AS a\n```\n```chart\nx: a\ny: b\n```\n", "bad.md:5: chart cell: no column \"b\""},
		{"no data", "# T\n```chart\nx: a\ny: b\n```\n", "bad.md:2: chart cell: no SQL cell before it"},
		{"unclosed", "# T\n```sql\nSELECT 1\n", "bad.md:2: sql cell not closed"},
		{"bad type", "```chart\ntype: pie\nx: a\ny: b\n```\n", "bad.md:1: chart cell: type: \"pie\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.md")
			os.WriteFile(path, []byte(tt.src), 0o644)
			err := run(context.Background(), []string{"notebook", "run", "--db", db, "--out", "-", path}, &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if err := run(context.Background(), []string{"notebook", "show", "x.md"}, &bytes.Buffer{}, &bytes.Buffer{}); exitCode(err) != 2 {
		t.Errorf("notebook show: exit %d, want 2", exitCode(err))
	}
}

// A notebook only reads: a cell that would change the database or write a
// file fails with an error naming the cell, and leaves nothing behind.
func TestNotebookReadOnly(t *testing.T) {
	work := t.TempDir()
	db := filepath.Join(work, "db.duckdb")
	store, err := datasets.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	leak, secret := filepath.Join(work, "leak.csv"), filepath.Join(work, "secret.csv")
	os.WriteFile(secret, []byte("a,b\n1,2\n"), 0o644)
	tests := []struct {
		name, cell, want string
	}{
		{"create table", "CREATE TABLE scratch AS SELECT 1 AS a", `bad.md:3: sql cell: Invalid Input Error: Cannot execute statement of type "CREATE"`},
		{"insert", "INSERT INTO meta VALUES ('k', 'v')", `bad.md:3: sql cell: Invalid Input Error: Cannot execute statement of type "INSERT"`},
		{"copy to", "COPY (SELECT 1 AS a) TO '" + leak + "'", `bad.md:3: sql cell: Permission Error: Cannot access file "` + leak + `"`},
		{"export", "EXPORT DATABASE '" + filepath.Join(work, "export") + "'", "bad.md:3: sql cell: Permission Error"},
		{"attach", "ATTACH '" + filepath.Join(work, "other.duckdb") + "' AS other", "bad.md:3: sql cell: Permission Error"},
		{"read file", "SELECT * FROM read_csv('" + secret + "')", "bad.md:3: sql cell: Permission Error"},
		{"setting", "SET enable_external_access = true", "bad.md:3: sql cell: Invalid Input Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.md")
			os.WriteFile(path, []byte("# T\n\n```sql\n"+tt.cell+"\n```\n"), 0o644)
			err := run(context.Background(), []string{"notebook", "run", "--db", db, "--out", "-", path}, &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
			if tt.name != "setting" && !strings.Contains(fmt.Sprint(err), "notebooks read the database only") {
				t.Errorf("error %v does not say that notebooks only read", err)
			}
		})
	}
	for _, p := range []string{leak, filepath.Join(work, "export"), filepath.Join(work, "other.duckdb")} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: a notebook cell created it (%v)", p, err)
		}
	}
	store, err = datasets.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var n int
	if err := store.DB().QueryRow("SELECT count(*) FROM information_schema.tables WHERE table_name = 'scratch'").Scan(&n); err != nil || n != 0 {
		t.Errorf("table scratch: %d (%v), want none", n, err)
	}
	// A temporary table is the notebook's own and allowed.
	path := filepath.Join(work, "temp.md")
	os.WriteFile(path, []byte("# T\n\n```sql\nCREATE TEMP TABLE t AS SELECT 1 AS a\n```\n\n```sql\nSELECT a FROM t\n```\n"), 0o644)
	store.Close()
	if err := run(context.Background(), []string{"notebook", "run", "--db", db, "--out", "-", path}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Errorf("temporary table: %v", err)
	}
}
