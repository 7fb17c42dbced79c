package datasets

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"rolemine/datasets/schema"
)

// A directory export is what an identity platform's API returns, saved as
// JSON files: SCIM ListResponses, Microsoft Graph pages, Okta API arrays.
// One export is loaded as a whole, whatever the number of files (pages),
// because its parts refer to one another: a group's members name users of
// another file, an app role assignment names a service principal's role.
//
// Every file of an export is its own Source (so that each is hashed and
// recorded), and all carry the export's file list; the first of them loads
// the whole export and the others are then no-ops. A platform reader turns
// the files into canonical rows (dirRows), each with the file and line it
// came from; dirRows.load stages the rows of each file and table separately
// and loads them as any other file, so every validation, reject and message
// names the file and line.

// exportReader reads the files of one platform's export into rows.
type exportReader func(files []string, x *dirRows) error

// exportReaders are the platforms' readers by format.
var exportReaders = map[Format]exportReader{
	FormatSCIM:  readSCIMExport,
	FormatEntra: readEntraExport,
	FormatOkta:  readOktaExport,
}

// IsExport reports whether f is read as a directory export.
func (f Format) IsExport() bool { _, ok := exportReaders[f]; return ok }

// dirRow is one canonical row of an export and where it came from.
type dirRow struct {
	file   string
	line   int64
	values map[string]string // canonical column (or attribute) → value; "" is NULL
}

// dirRows collects the canonical rows of one export, in the order read, and
// what the readers did not take.
type dirRows struct {
	rows     map[string][]dirRow        // by canonical table
	ignored  map[string]map[string]bool // file → fields not read
	warnings []string                   // file-level notes, "file: message"
}

func newDirRows() *dirRows {
	return &dirRows{rows: map[string][]dirRow{}, ignored: map[string]map[string]bool{}}
}

// add appends a row of table from v's file and line. Empty values are
// dropped from the map (they are NULL either way).
func (x *dirRows) add(table schema.Table, v jvalue, values map[string]string) {
	maps.DeleteFunc(values, func(_, val string) bool { return val == "" })
	x.rows[table.Name] = append(x.rows[table.Name], dirRow{file: v.doc.path, line: v.line(), values: values})
}

// ignore records the fields of o that no reader took, under kind (e.g.
// "user"), with prefix for a nested object ("manager.").
func (x *dirRows) ignore(kind string, o *jobject, prefix string) {
	if o == nil {
		return
	}
	set := x.ignored[o.doc.path]
	if set == nil {
		set = map[string]bool{}
		x.ignored[o.doc.path] = set
	}
	for _, f := range o.unread(prefix) {
		set[kind+"."+f] = true
	}
}

// warn records a note about file.
func (x *dirRows) warn(file, format string, args ...any) {
	x.warnings = append(x.warnings, file+": "+fmt.Sprintf(format, args...))
}

// loadExport loads the export src belongs to when src is its first file;
// the others were loaded with it.
func (l *loader) loadExport(src Source, hash string, size int64) error {
	files := src.export
	if len(files) == 0 {
		files = []string{src.Path}
	}
	if src.Path != files[0] {
		return nil
	}
	x := newDirRows()
	if err := exportReaders[src.Format](files, x); err != nil {
		return err
	}
	return x.load(l, src, files)
}

// load stages and loads the rows, table by table in schema order and
// within a table file by file, then records the notes as warnings.
func (x *dirRows) load(l *loader, src Source, files []string) error {
	loaded := map[string]bool{}
	for _, t := range schema.Canonical() {
		byFile, rejects := x.splitByFile(t)
		for _, file := range files {
			if len(byFile[file]) == 0 && len(rejects[file]) == 0 {
				continue
			}
			var ignored []string
			if !loaded[file] {
				ignored = slices.Sorted(maps.Keys(x.ignored[file]))
			}
			if err := l.loadExportPart(t, src, file, byFile[file], rejects[file], ignored); err != nil {
				return err
			}
			loaded[file] = true
		}
	}
	if len(loaded) == 0 {
		return &LoadError{File: files[0], Reason: fmt.Sprintf("the %s export holds no users, groups or assignments", src.Format)}
	}
	for _, file := range files {
		if len(x.ignored[file]) > 0 {
			fields := slices.Sorted(maps.Keys(x.ignored[file]))
			if err := l.warn("", file, "ignored fields not in the canonical schema: "+strings.Join(fields, ", ")); err != nil {
				return err
			}
		}
	}
	for _, w := range x.warnings {
		file, msg, _ := strings.Cut(w, ": ")
		if err := l.warn("", file, msg); err != nil {
			return err
		}
	}
	return nil
}

// splitByFile groups a table's rows by file. A row whose key an earlier
// file already gave is collapsed when equal to it (and counted in a
// warning) and rejected when it differs; repeats within one file are left
// to the loader, which treats them like those of any file.
func (x *dirRows) splitByFile(t schema.Table) (map[string][]dirRow, map[string][]Reject) {
	byFile := map[string][]dirRow{}
	rejects := map[string][]Reject{}
	first := map[string]dirRow{}
	collapsed := map[string]int{}
	for _, r := range x.rows[t.Name] {
		key := rowKey(t, r)
		prev, seen := first[key]
		switch {
		case !seen:
			first[key] = r
		case prev.file == r.file:
		case maps.Equal(prev.values, r.values):
			collapsed[r.file]++
			continue
		default:
			rejects[r.file] = append(rejects[r.file], Reject{File: r.file, Line: r.line, Column: strings.Join(t.Key, ","),
				Reason: fmt.Sprintf("duplicate key %s differs from %s:%d", key, prev.file, prev.line)})
			continue
		}
		byFile[r.file] = append(byFile[r.file], r)
	}
	for _, file := range slices.Sorted(maps.Keys(collapsed)) {
		x.warn(file, "%d %s rows repeat rows of earlier files; collapsed", collapsed[file], t.Name)
	}
	return byFile, rejects
}

func rowKey(t schema.Table, r dirRow) string {
	parts := make([]string, len(t.Key))
	for k, c := range t.Key {
		parts[k] = c + "=" + r.values[c]
	}
	return strings.Join(parts, " ")
}

// loadExportPart stages the rows one file gave one table, as CSV with each
// row's line, and loads them. ignored are the file's fields no reader
// took, recorded with the file's first part.
func (l *loader) loadExportPart(t schema.Table, src Source, file string, rows []dirRow, rejects []Reject, ignored []string) error {
	header := partColumns(t, rows)
	records := make([][]string, len(rows))
	for k, r := range rows {
		rec := make([]string, 0, len(header)+1)
		for _, c := range header {
			rec = append(rec, r.values[c])
		}
		records[k] = append(rec, strconv.FormatInt(r.line, 10))
	}
	tmp, err := l.tempFile(fmt.Sprintf("export-%d.csv", len(l.report.Files)))
	if err != nil {
		return err
	}
	if err := writeCSV(tmp, append(slices.Clone(header), "__line"), records); err != nil {
		return err
	}
	st, err := l.stageCSV(tmp, file, false)
	if err != nil {
		return err
	}
	st.columns = slices.DeleteFunc(st.columns, func(c string) bool { return c == "__line" })
	st.rejects = append(st.rejects, rejects...)
	hash, size, err := hashFile(file)
	if err != nil {
		return err
	}
	fr := FileReport{Table: t.Name, File: file, Format: src.Format, SHA256: hash, Bytes: size, Ignored: ignored, LoadKey: l.loadKey(src, hash)}
	sub := src
	sub.Path, sub.Table = file, t.Name
	return l.loadStaged(t, sub, st, &fr)
}

// partColumns are the columns of a part: the table's columns any row
// fills, in schema order, then the attributes, sorted. Every table needs
// its key columns staged even when no row fills them, so that the
// loader reports the missing values.
func partColumns(t schema.Table, rows []dirRow) []string {
	used := map[string]bool{}
	for _, r := range rows {
		for c := range r.values {
			used[c] = true
		}
	}
	var cols []string
	for _, c := range t.Columns {
		if used[c.Name] || c.Required {
			cols = append(cols, c.Name)
			delete(used, c.Name)
		}
	}
	return append(cols, slices.Sorted(maps.Keys(used))...)
}

// ExportSources lists the files of a directory export of format f (see
// Formats): each path is a file or a directory, searched recursively for
// *.json files (hidden files and others are skipped). The sources share
// the export, which loads as a whole: see Store.Ingest. It is an error for
// the paths to hold no JSON file.
func ExportSources(paths []string, f Format) ([]Source, error) {
	if !f.IsExport() {
		panic(fmt.Sprintf("datasets: ExportSources of format %q", f))
	}
	var files []string
	for _, p := range paths {
		found, err := jsonFiles(p)
		if err != nil {
			return nil, err
		}
		files = append(files, found...)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no .json files of a %s export", strings.Join(paths, ", "), f)
	}
	files = slices.Compact(files)
	sources := make([]Source, len(files))
	for k, file := range files {
		sources[k] = Source{Path: file, Format: f, export: files}
	}
	return sources, nil
}

// jsonFiles lists the *.json files at or under path, in page order.
func jsonFiles(path string) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		hidden := strings.HasPrefix(d.Name(), ".") && p != path
		switch {
		case hidden && d.IsDir():
			return filepath.SkipDir
		case !hidden && !d.IsDir() && strings.HasSuffix(strings.ToLower(d.Name()), ".json"):
			files = append(files, p)
		}
		return nil
	})
	slices.SortFunc(files, comparePages)
	return files, err
}

// comparePages orders files by directory, resource and page number, so
// that users.json comes before users.2.json and users.10.json.
func comparePages(a, b string) int {
	if c := strings.Compare(filepath.Dir(a), filepath.Dir(b)); c != 0 {
		return c
	}
	ra, pa := pageOf(a)
	rb, pb := pageOf(b)
	if c := strings.Compare(ra, rb); c != 0 {
		return c
	}
	if pa != pb {
		return pa - pb
	}
	return strings.Compare(a, b)
}

// pageOf splits a file name into its resource and page: "users.json",
// "users.2.json" and "users-002.json" are pages of users. The page of the
// first file is 1.
func pageOf(file string) (resource string, page int) {
	base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	base = strings.TrimSuffix(base, ".scim")
	cut := strings.LastIndexAny(base, ".-_")
	if cut > 0 {
		if n, err := strconv.Atoi(base[cut+1:]); err == nil {
			return base[:cut], n
		}
	}
	return base, 1
}

// activeStatus is the status of an identity a platform marks active or
// not: an inactive account is terminated, as hygiene understands it;
// unknown is "".
func activeStatus(active *bool) string {
	switch {
	case active == nil:
		return ""
	case *active:
		return "active"
	}
	return "terminated"
}
