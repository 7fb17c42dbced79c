package datasets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBareColumns checks which columns the scan of a delimited file finds
// free of anything trim could remove: the loader skips the trim for them,
// so a column wrongly called bare would keep its white space.
func TestBareColumns(t *testing.T) {
	header := []string{"a", "b", "c"}
	cases := []struct {
		name, text string
		want       []string // bare columns
	}{
		{"plain", "a,b,c\nx,y,z\nxx,yy,zz\n", []string{"a", "b", "c"}},
		{"empty fields", "a,b,c\n,,\nx,,z\n", []string{"a", "b", "c"}},
		{"leading space", "a,b,c\nx, y,z\n", []string{"a", "c"}},
		{"trailing space", "a,b,c\nx,y,z \n", []string{"a", "b"}},
		{"tab", "a,b,c\n\tx,y,z\n", []string{"b", "c"}},
		{"quoted", "a,b,c\nx,\"y\",z\n", []string{"a", "c"}},
		{"quote inside", "a,b,c\nx,y\"y,z\n", []string{"a", "c"}},
		{"quoted delimiter", "a,b,c\n\"x,1\",y,z\n", []string{"b", "c"}},
		{"quoted line break", "a,b,c\n\"x\ny\",y,z\n", []string{"b", "c"}},
		{"crlf", "a,b,c\r\nx,y,z\r\n", []string{"a", "b", "c"}},
		{"crlf after space", "a,b,c\r\nx,y,z \r\n", []string{"a", "b"}},
		{"no final line break", "a,b,c\nx,y,z ", []string{"a", "b"}},
		{"non-ASCII", "a,b,c\nx,é,z\n", []string{"a", "c"}},
		{"blank line", "a,b,c\n\nx,y,z\n", []string{"a", "b", "c"}},
		{"space in the middle", "a,b,c\nx,y y,z\n", []string{"a", "b", "c"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f.csv")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			scan, err := scanDelimited(path, ',')
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range header {
				if scan.facts(header).bare[c] {
					got = append(got, c)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("bare columns of %q (-want +got):\n%s", tc.text, diff)
			}
		})
	}
}

// TestBareColumnsAcrossChunks puts the only padded value of a column just
// across the scanner's 1 MiB read boundary.
func TestBareColumnsAcrossChunks(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b\n")
	for b.Len()+4 < 1<<20 {
		b.WriteString("x,y\n")
	}
	for b.Len() < 1<<20 {
		b.WriteString("x")
	}
	b.WriteString(" ,y\n") // the space ends a value, as the first byte of the second chunk
	path := filepath.Join(t.TempDir(), "f.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	scan, err := scanDelimited(path, ',')
	if err != nil {
		t.Fatal(err)
	}
	bare := scan.facts([]string{"a", "b"}).bare
	if bare["a"] || !bare["b"] {
		t.Errorf("bare = %v, want only b", bare)
	}
}

// TestIngestTrimsPaddedColumns loads values with and without white space
// in one file: the padded ones must be stored trimmed, as ids to match.
func TestIngestTrimsPaddedColumns(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "assignments.csv")
	text := "identity_id,entitlement_id,source\nu1,e1,direct\n u2,e2 ,Role\nu3,\"e3\",DIRECT\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s := openTest(t)
	if _, err := s.Ingest(t.Context(), []Source{{Path: path, Table: "assignments"}}, DefaultIngestOptions); err != nil {
		t.Fatal(err)
	}
	rows, err := s.DB().Query("SELECT identity_id, entitlement_id, source FROM assignments ORDER BY identity_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id, ent, source string
		if err := rows.Scan(&id, &ent, &source); err != nil {
			t.Fatal(err)
		}
		got = append(got, id+"|"+ent+"|"+source)
	}
	want := []string{"u1|e1|direct", "u2|e2|role", "u3|e3|direct"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored assignments (-want +got):\n%s", diff)
	}
}

// TestDistinctKeys checks the fast key check of plain files: it may only
// say "distinct" when no two data lines share the key fields.
func TestDistinctKeys(t *testing.T) {
	cases := []struct {
		name, text string
		fields     []int
		want       bool
	}{
		{"distinct", "a,b,c\nu1,e1,x\nu1,e2,x\nu2,e1,x\n", []int{0, 1}, true},
		{"repeated key", "a,b,c\nu1,e1,x\nu2,e1,x\nu1,e1,y\n", []int{0, 1}, false},
		{"repeated other field only", "a,b,c\nu1,e1,x\nu2,e2,x\n", []int{0, 1}, true},
		{"one key field", "a,b,c\nu1,e1,x\nu1,e2,x\n", []int{0}, false},
		{"key in the last field, crlf", "a,b\r\nx,k1\r\ny,k1\n", []int{1}, false},
		{"fields do not run together", "a,b\nab,c\na,bc\n", []int{0, 1}, true},
		{"short line", "a,b,c\nu1,e1,x\nu2\n", []int{0, 1}, false},
		{"header repeats a key", "a,b\na,b\n", []int{0, 1}, true},
		{"no final line break", "a,b\nu1,e1\nu1,e1", []int{0, 1}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f.csv")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := (&plainFile{path: path, delim: ','}).distinctKeys(tc.fields, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("distinctKeys(%q, %v) = %v, want %v", tc.text, tc.fields, got, tc.want)
			}
		})
	}
}
