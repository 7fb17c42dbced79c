package datasets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// malformedCase is one file of testdata/malformed (or one the test
// generates) and what loading it must do: fail at wantLine with a reason
// containing wantReason, or, when wantLine is 0, load the pairs want.
type malformedCase struct {
	file       string
	content    func(t *testing.T) []byte // nil: read testdata/malformed/file
	wantLine   int64
	wantReason string
	want       []string // identity_id|entitlement_id of the loaded rows, sorted
}

var malformedCases = []malformedCase{
	{file: "unterminated_quote.csv", wantLine: 3, wantReason: "quote"},
	{file: "text_after_quote.csv", wantLine: 3, wantReason: "quote"},
	// A quote inside an unquoted field is a literal character: the value
	// is exactly the bytes between the delimiters.
	{file: "stray_quote.csv", want: []string{"u1|e1", `u2|e"2`, "u3|e3"}},
	{file: "mixed_tab.csv", wantLine: 3, wantReason: "missing columns"},
	{file: "mixed_semicolon.csv", wantLine: 3, wantReason: "missing columns"},
	{file: "crlf.csv", want: []string{"u1|e1", "u2|e2", "u3|e3"}},
	{file: "bom.csv", want: []string{"u1|e1", "u2|e2"}},
	{file: "bom_quoted_header.csv", want: []string{"u1|e1"}},
	{file: "nul_byte.csv", wantLine: 3, wantReason: "NUL byte"},
	{file: "non_utf8.csv", wantLine: 3, wantReason: "not valid UTF-8"},
	{file: "too_many_fields.csv", wantLine: 3, wantReason: "too many columns"},
	{file: "too_few_fields.csv", wantLine: 3, wantReason: "missing columns"},
	// There are no comment lines: a line starting with # is data.
	{file: "hash_line.csv", want: []string{"#u2|e2", "u1|e1"}},
	{file: "duplicate_header.csv", wantLine: 1, wantReason: "twice"},
	{file: "bad_header.csv", wantLine: 1, wantReason: "quote"},
	{file: "quoted_ok.csv", want: []string{"u1|e,1", "u2|multi\nline", `u3|say "hi"`}},
	// The reader skips blank lines and reads a quoted field's line breaks
	// as part of its record; messages still name the physical line.
	{file: "blank_lines_bad.csv", wantLine: 5, wantReason: "NUL byte"},
	{file: "multiline_bad.csv", wantLine: 5, wantReason: "NUL byte"},
	{file: "blank_line_too_many.csv", wantLine: 4, wantReason: "too many columns"},
	{file: "multiline_blank_too_many.csv", wantLine: 7, wantReason: "too many columns"},
	// DuckDB's sniffer reads the first 20,480 lines; the reader must hold
	// the whole file to the dialect, not only the sample.
	{file: "after_sample.csv", content: afterSample, wantLine: 30_000, wantReason: "quote"},
	// Fields longer than IngestOptions.MaxFieldBytes (64 KiB by default)
	// reject their row; see TestIngestLongFieldWithinLimit for one that fits.
	{file: "long_field.csv", content: longField, wantLine: 3, wantReason: "longer than the limit"},
}

// afterSample is 30,005 lines whose line 30,000 opens a quote it never closes.
func afterSample(*testing.T) []byte {
	var b strings.Builder
	b.WriteString("identity_id,entitlement_id\n")
	for line := 2; line <= 30_005; line++ {
		if line == 30_000 {
			fmt.Fprintf(&b, "u%d,\"e%d\n", line, line)
			continue
		}
		fmt.Fprintf(&b, "u%d,e%d\n", line, line)
	}
	return []byte(b.String())
}

// longField has a 1 MiB field on line 3.
func longField(*testing.T) []byte {
	return []byte("identity_id,entitlement_id\nu1,e1\nu2," + strings.Repeat("x", 1<<20) + "\nu3,e3\n")
}

// toTSV swaps commas and tabs: the TSV twin of a CSV corpus file, with the
// same structure (a stray tab in a CSV becomes a stray comma in a TSV).
func toTSV(s string) string {
	b := []byte(s) // bytes, not runes: invalid UTF-8 must stay as it is
	for k, c := range b {
		switch c {
		case ',':
			b[k] = '\t'
		case '\t':
			b[k] = ','
		}
	}
	return string(b)
}

// TestIngestMalformed loads every corpus file as CSV and as TSV into
// assignments and into identities: a malformed file fails with its base
// name and line, and leaves the database as it was; a well-formed one
// loads exactly its values.
func TestIngestMalformed(t *testing.T) {
	for _, tc := range malformedCases {
		data := corpusFile(t, tc)
		for _, format := range []Format{FormatCSV, FormatTSV} {
			for _, table := range []string{"assignments", "identities"} {
				t.Run(fmt.Sprintf("%s/%s/%s", tc.file, format, table), func(t *testing.T) {
					name, content, want := tc.file, data, tc.want
					if format == FormatTSV {
						name = strings.TrimSuffix(name, ".csv") + ".tsv"
						content = []byte(toTSV(string(data)))
						want = nil
						for _, w := range tc.want {
							want = append(want, toTSV(w))
						}
					}
					checkMalformed(t, tc, table, format, writeFile(t, t.TempDir(), name, string(content)), want)
				})
			}
		}
	}
}

func corpusFile(t *testing.T, tc malformedCase) []byte {
	t.Helper()
	if tc.content != nil {
		return tc.content(t)
	}
	data, err := os.ReadFile(filepath.Join("testdata", "malformed", tc.file))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func checkMalformed(t *testing.T, tc malformedCase, table string, format Format, path string, want []string) {
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.Ingest(ctx, []Source{{Path: writeFile(t, t.TempDir(), "identities.csv", goodIdentities)}}, DefaultIngestOptions); err != nil {
		t.Fatal(err)
	}
	before := state(t, s)
	_, err := s.Ingest(ctx, []Source{{Path: path, Table: table, Format: format}}, DefaultIngestOptions)
	if tc.wantLine == 0 {
		if err != nil {
			t.Fatalf("load failed: %v", err)
		}
		if diff := cmp.Diff(want, loadedPairs(t, s, table)); diff != "" {
			t.Errorf("loaded rows (-want +got):\n%s", diff)
		}
		return
	}
	if err == nil {
		t.Fatalf("load succeeded with %q, want an error at line %d", loadedPairs(t, s, table), tc.wantLine)
	}
	loc := fmt.Sprintf("%s:%d", filepath.Base(path), tc.wantLine)
	if msg := err.Error(); !strings.Contains(msg, loc) || !strings.Contains(msg, tc.wantReason) {
		t.Errorf("error = %q, want it to name %s and say %q", truncate(msg, 300), loc, tc.wantReason)
	}
	var le *LoadError
	if !errors.As(err, &le) || le.Line != tc.wantLine {
		t.Errorf("error %v: want a *LoadError at line %d", truncate(err.Error(), 300), tc.wantLine)
	}
	if diff := cmp.Diff(before, state(t, s)); diff != "" {
		t.Errorf("failed load changed the database (-before +after):\n%s", diff)
	}
}

// loadedPairs lists identity_id|entitlement_id of the current rows of
// table: for identities, entitlement_id is an attribute.
func loadedPairs(t *testing.T, s *Store, table string) []string {
	t.Helper()
	q := `SELECT identity_id || '|' || entitlement_id FROM current_assignments ORDER BY 1`
	if table == "identities" {
		q = `SELECT i.identity_id || '|' || coalesce(a.value, '') FROM current_identities i
			LEFT JOIN current_identity_attributes a ON a.identity_id = i.identity_id AND a.name = 'entitlement_id' ORDER BY 1`
	}
	return dumpRows(t, s, q)
}

// A field longer than 64 KiB loads intact when MaxFieldBytes allows it.
func TestIngestLongFieldWithinLimit(t *testing.T) {
	s := openTest(t)
	path := writeFile(t, t.TempDir(), "long.csv", string(longField(t)))
	opts := DefaultIngestOptions
	opts.MaxFieldBytes = 2 << 20
	if _, err := s.Ingest(context.Background(), []Source{{Path: path, Table: "assignments"}}, opts); err != nil {
		t.Fatal(err)
	}
	got := queryInts(t, s, `SELECT count(*), max(strlen(entitlement_id)) FROM current_assignments`)
	if diff := cmp.Diff([]int64{3, 1 << 20}, got); diff != "" {
		t.Errorf("rows, longest id (-want +got):\n%s", diff)
	}
}

// A quoting error fails the load whatever --max-errors allows: the reader
// cannot tell where the broken field ends, and would swallow the lines
// after it into one rejected row.
func TestIngestQuoteErrorIgnoresMaxErrors(t *testing.T) {
	s := openTest(t)
	path := writeFile(t, t.TempDir(), "bad.csv", string(afterSample(t)))
	opts := DefaultIngestOptions
	opts.MaxErrors = 100
	before := state(t, s)
	_, err := s.Ingest(context.Background(), []Source{{Path: path, Table: "assignments"}}, opts)
	if err == nil || !strings.Contains(err.Error(), "bad.csv:30000") {
		t.Fatalf("error = %v, want bad.csv:30000", err)
	}
	if diff := cmp.Diff(before, state(t, s)); diff != "" {
		t.Errorf("failed load changed the database (-before +after):\n%s", diff)
	}
}

// The other text readers keep the same promises: a bad line fails the load
// naming it, and a byte order mark or CRLF changes no value.
func TestIngestMalformedOtherFormats(t *testing.T) {
	tests := []struct {
		name, file, content, table string
		wantLine                   int64 // 0: the load succeeds with want
		wantReason                 string
		want                       []string
	}{
		{name: "pairs BOM", file: "hc.txt", content: "\ufeffu1 e1\r\nu2 e2\r\n", table: "assignments", want: []string{"u1|e1", "u2|e2"}},
		{name: "pairs NUL", file: "hc.txt", content: "u1 e1\nu2 e\x002\n", table: "assignments", wantLine: 2, wantReason: "NUL byte"},
		{name: "pairs non-UTF-8", file: "hc.txt", content: "u1 e1\nu2 e1\nu3 e\xff\n", table: "assignments", wantLine: 3, wantReason: "not valid UTF-8"},
		{name: "jsonl blank lines", file: "assignments.jsonl", content: "{\"identity_id\":\"u1\",\"entitlement_id\":\"e1\"}\n\n \n{\"identity_id\":\"u2\",\"entitlement_id\":\"e\\u00002\"}\n",
			wantLine: 4, wantReason: "NUL byte"},
		{name: "jsonl CRLF", file: "assignments.jsonl", content: "{\"identity_id\":\"u1\",\"entitlement_id\":\"e1\"}\r\n", want: []string{"u1|e1"}},
		{name: "jsonl NUL escape", file: "assignments.jsonl", content: "{\"identity_id\":\"u1\",\"entitlement_id\":\"e1\"}\n{\"identity_id\":\"u2\",\"entitlement_id\":\"e\\u00002\"}\n",
			wantLine: 2, wantReason: "NUL byte"},
		{name: "scim non-UTF-8", file: "dir.scim.json", content: "{\"Resources\": [\n{\"schemas\": [\"" + scimGroup + "\"], \"id\": \"g\xff\"}]}\n",
			wantLine: 2, wantReason: "not valid UTF-8"},
		{name: "scim syntax", file: "dir.scim.json", content: "{\"Resources\": [\n{\"schemas\": [\"" + scimGroup + "\"], \"id\": \"g1\",}]}\n",
			wantLine: 2, wantReason: "not a SCIM ListResponse"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			before := state(t, s)
			path := writeFile(t, t.TempDir(), tc.file, tc.content)
			_, err := s.Ingest(context.Background(), []Source{{Path: path, Table: tc.table}}, DefaultIngestOptions)
			if tc.wantLine == 0 {
				if err != nil {
					t.Fatalf("load failed: %v", err)
				}
				if diff := cmp.Diff(tc.want, loadedPairs(t, s, "assignments")); diff != "" {
					t.Errorf("loaded rows (-want +got):\n%s", diff)
				}
				return
			}
			loc := fmt.Sprintf("%s:%d", tc.file, tc.wantLine)
			if err == nil || !strings.Contains(err.Error(), loc) || !strings.Contains(err.Error(), tc.wantReason) {
				t.Fatalf("error = %v, want it to name %s and say %q", err, loc, tc.wantReason)
			}
			if diff := cmp.Diff(before, state(t, s)); diff != "" {
				t.Errorf("failed load changed the database (-before +after):\n%s", diff)
			}
		})
	}
}

// Under --max-errors the rejects table names the physical lines of bad
// rows after blank lines and quoted fields holding line breaks, whether
// the reader (wrong number of fields) or the loader (a bad value) set them
// aside, and the rows between them load.
func TestIngestRejectLines(t *testing.T) {
	tests := []struct {
		name, file, content string
		wantRejects         []string // line|column|reason prefix
		want                []string // loaded identity_id|entitlement_id
	}{
		{name: "csv", file: "a.csv", content: "identity_id,entitlement_id\n" +
			"u1,\"a\n\nb\"\n" + // lines 2-4
			"\n" +
			"u2,e2,extra\n" + // line 6
			"u3,e\x003\n" +
			"\n" +
			"u4,e4\n" +
			"u5\n" + // line 10
			"u6,\"x\ny\"\n" +
			"u7,e\x007\n", // line 13
			wantRejects: []string{"6||too many columns", "7|entitlement_id|NUL byte", "10|entitlement_id|missing columns", "13|entitlement_id|NUL byte"},
			want:        []string{"u1|a\n\nb", "u4|e4", "u6|x\ny"}},
		{name: "tsv", file: "a.tsv", content: "identity_id\tentitlement_id\n\n\nu1\t\"a\nb\"\nu2\te2\textra\nu3\te\x003\n",
			wantRejects: []string{"6||too many columns", "7|entitlement_id|NUL byte"},
			want:        []string{"u1|a\nb"}},
		{name: "jsonl", file: "a.jsonl", content: `{"identity_id":"u1","entitlement_id":"e1"}` + "\n\n[1]\n  \t\r\n" +
			`{"identity_id":"u2","entitlement_id":"e\u00002"}` + "\n\n" + `{"identity_id":"u3","entitlement_id":"e3"}` + "\n",
			wantRejects: []string{"3||not a JSON object", "5|entitlement_id|NUL byte"},
			want:        []string{"u1|e1", "u3|e3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			path := writeFile(t, t.TempDir(), tc.file, tc.content)
			opts := DefaultIngestOptions
			opts.MaxErrors = 0
			_, err := s.Ingest(context.Background(), []Source{{Path: path, Table: "assignments"}}, opts)
			first := strings.SplitN(tc.wantRejects[0], "|", 2)[0]
			if loc := tc.file + ":" + first; err == nil || !strings.Contains(err.Error(), loc) {
				t.Errorf("error = %v, want it to name %s", err, loc)
			}
			opts.MaxErrors = len(tc.wantRejects)
			if _, err := s.Ingest(context.Background(), []Source{{Path: path, Table: "assignments"}}, opts); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range dumpRows(t, s, `SELECT line || '|' || coalesce(column_name, '') || '|' || reason FROM rejects ORDER BY line`) {
				parts := strings.SplitN(r, "|", 3)
				for _, w := range tc.wantRejects {
					if p := strings.SplitN(w, "|", 3); p[0] == parts[0] && strings.HasPrefix(parts[2], p[2]) {
						parts[2] = p[2]
					}
				}
				got = append(got, strings.Join(parts, "|"))
			}
			if diff := cmp.Diff(tc.wantRejects, got); diff != "" {
				t.Errorf("rejects (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, loadedPairs(t, s, "assignments")); diff != "" {
				t.Errorf("loaded rows (-want +got):\n%s", diff)
			}
		})
	}
}
