package datasets

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxLineBytes is the longest CSV line DuckDB's reader is asked to accept.
const maxLineBytes = 8 << 20

// stageCSV reads a delimited file with DuckDB's reader under one fixed
// dialect (see csvOptions); nothing about the file is guessed. Rows the
// reader cannot parse (wrong number of fields, bad encoding) become rejects
// with their line numbers; a quoting error fails the load (see csvRejects).
// A first pass over the file (scanDelimited) maps records to lines, since
// the reader skips blank lines and counts a record holding line breaks as
// one line.
// display is the file name used in messages.
func (l *loader) stageCSV(path, display string, tsv bool) (*staged, error) {
	header, err := readHeader(path, display, tsv)
	if err != nil {
		return nil, err
	}
	delim := byte(',')
	if tsv {
		delim = '\t'
	}
	scan, err := scanDelimited(path, delim)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", display, err)
	}
	for _, q := range []string{"DROP TABLE IF EXISTS __rej_errors", "DROP TABLE IF EXISTS __rej_scans"} {
		if err := l.exec(q); err != nil {
			return nil, err
		}
	}
	q := fmt.Sprintf("CREATE OR REPLACE TEMP TABLE stage AS SELECT * FROM read_csv(%s, %s)", sqlString(path), csvOptions(header, tsv))
	if err := l.exec(q); err != nil {
		return nil, duckLoadError(display, err)
	}
	st, err := l.describeStage()
	if err != nil {
		return nil, err
	}
	st.facts = scan.facts(header)
	if !scan.quoted {
		st.plainFile = &plainFile{path: path, delim: delim}
	}
	rejected, err := l.csvRejects(display, st, scan.lines)
	if err != nil {
		return nil, err
	}
	return st, l.numberCSVLines(st, scan.lines.segments(rejected, st.rows))
}

// csvOptions are the read_csv options of every delimited file, given its
// header. The dialect is fixed, never sniffed, so that the whole file (not
// a sample of it) is read one way, and a line that does not parse under it
// is a reject or an error, never a differently split row:
//
//   - auto_detect=false with the header's names as all-VARCHAR columns:
//     no type, header, delimiter, quote, comment or skip detection; values
//     stay text until the loader converts them (plan.valueExpr);
//   - header=true: line 1 is the header (read by readHeader) and skipped;
//   - delim ',' for CSV and tab for TSV; quote and escape '"' (RFC 4180:
//     a quoted field doubles its quotes); a quote inside an unquoted field
//     is an ordinary character;
//   - no comment character and skip=0: every line after the header is
//     data, a line starting with # too;
//   - strict_mode=true, null_padding=false: a row with too many or too few
//     fields, or an unterminated quote, is an error, not padded or split;
//   - nullstr the empty string, with allow_quoted_nulls: an empty field,
//     quoted or not, reads as NULL, as the loader reads any blank value
//     (plan.valueExpr); no other text, such as NULL, means NULL;
//   - encoding='utf-8': other bytes reject their row;
//   - store_rejects: bad rows go to __rej_errors (see csvRejects);
//   - hive_partitioning=false: a directory named key=value must not become
//     a column.
func csvOptions(header []string, tsv bool) string {
	delim := `','`
	if tsv {
		delim = `'\t'`
	}
	cols := make([]string, len(header))
	for k, c := range header {
		cols[k] = sqlString(c) + ": 'VARCHAR'"
	}
	return strings.Join([]string{
		"auto_detect=false", "header=true", "columns={" + strings.Join(cols, ", ") + "}",
		"delim=" + delim, `quote='"'`, `escape='"'`, "comment=''", "skip=0",
		"strict_mode=true", "null_padding=false", "nullstr=''", "allow_quoted_nulls=true",
		"encoding='utf-8'", "hive_partitioning=false",
		"store_rejects=true", "rejects_table='__rej_errors'", "rejects_scan='__rej_scans'",
		fmt.Sprintf("max_line_size=%d", maxLineBytes),
	}, ", ")
}

// readHeader returns the column names of a delimited file's first line,
// read under the dialect of csvOptions; a UTF-8 byte order mark before it
// is dropped. An empty name becomes column<k> (k counting from 1); two
// names equal but for case and surrounding space are an error, since
// columns are matched by name ignoring both.
func readHeader(path, display string, tsv bool) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(io.LimitReader(f, maxLineBytes))
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	r := csv.NewReader(br)
	if tsv {
		r.Comma = '\t'
	}
	r.FieldsPerRecord = -1
	names, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, &LoadError{File: display, Reason: "file has no header and no rows"}
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, &LoadError{File: display, Line: int64(pe.Line), Reason: fmt.Sprintf("header, column %d: %v", pe.Column, pe.Err)}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", display, err)
	}
	if line, _ := r.FieldPos(0); line != 1 {
		return nil, &LoadError{File: display, Line: 1, Reason: "blank line: the header must be the first line"}
	}
	return headerNames(display, names)
}

// headerNames checks and completes the names read by readHeader.
func headerNames(display string, names []string) ([]string, error) {
	seen := map[string]int{}
	for k, name := range names {
		switch {
		case !utf8.ValidString(name):
			return nil, &LoadError{File: display, Line: 1, Reason: fmt.Sprintf("header field %d is not valid UTF-8", k+1)}
		case strings.IndexByte(name, 0) >= 0:
			return nil, &LoadError{File: display, Line: 1, Reason: fmt.Sprintf("header field %d holds a NUL byte", k+1)}
		case strings.TrimSpace(name) == "":
			names[k] = fmt.Sprintf("column%d", k+1)
		}
		key := strings.ToLower(strings.TrimSpace(names[k]))
		if prev, dup := seen[key]; dup {
			return nil, &LoadError{File: display, Line: 1, Column: names[k], Reason: fmt.Sprintf(
				"column %s appears twice in the header (fields %d and %d)", names[k], prev+1, k+1)}
		}
		seen[key] = k
	}
	return names, nil
}

// csvRejects collects the rows DuckDB's reader set aside. A quoting error
// (an unterminated quote, or text after a closing quote) fails the load
// whatever MaxErrors allows: the reader cannot tell where the broken field
// ends and reads on to the next quote, so the lines after it would be lost
// inside one rejected row. The reader's line is the record's unit in
// lines, counted from 1; the rejects name the physical line, and the
// rejected units are returned in order.
func (l *loader) csvRejects(display string, st *staged, lines *lineMap) ([]int64, error) {
	rows, err := l.db.QueryContext(l.ctx, `SELECT line, coalesce(column_name, ''), error_type, error_message, csv_line
		FROM __rej_errors ORDER BY line`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var units []int64
	for rows.Next() {
		var r Reject
		var kind, msg string
		if err := rows.Scan(&r.Line, &r.Column, &kind, &msg, &r.Raw); err != nil {
			return nil, err
		}
		r.File = display
		unit := r.Line - 1
		r.Line = lines.line(unit)
		r.Reason = csvReason(kind, msg)
		if kind == "UNQUOTED VALUE" {
			return nil, &LoadError{File: display, Line: r.Line, Column: r.Column, Reason: r.Reason}
		}
		r.Raw = truncate(r.Raw, 1000)
		st.rejects = append(st.rejects, r)
		units = append(units, unit)
	}
	return units, rows.Err()
}

func csvReason(kind, msg string) string {
	switch kind {
	case "INVALID ENCODING", "INVALID UNICODE":
		return "not valid UTF-8"
	case "LINE SIZE OVER MAXIMUM":
		return fmt.Sprintf("line longer than %d bytes", maxLineBytes)
	case "UNQUOTED VALUE":
		return "quoting error: a quoted field is not closed, or text follows its closing quote"
	case "MISSING COLUMNS", "TOO MANY COLUMNS":
		return strings.ToLower(kind[:1]) + strings.ToLower(kind[1:]) + ": " + strings.ToLower(msg)
	}
	return strings.ToLower(kind) + ": " + truncate(msg, 200)
}

// numberCSVLines gives each staged row its line in the file, given the
// segments of lineMap.segments. When every row is on the line after the
// one before, the header being line 1, nothing is stored: line = rowid -
// first rowid + 2, see plan.line. Otherwise the lines go to a __line
// column.
func (l *loader) numberCSVLines(st *staged, segs []segment) error {
	if len(segs) == 1 && segs[0].delta == 1 {
		return nil
	}
	base, err := l.count("SELECT min(rowid) FROM stage")
	if err != nil {
		return err
	}
	if err := l.exec("ALTER TABLE stage ADD COLUMN __line BIGINT"); err != nil {
		return err
	}
	return l.renumber("stage", "__line", fmt.Sprintf("(stage.rowid - %d)", base), segs, st.rows)
}

// describeStage lists the staged columns and counts the rows.
func (l *loader) describeStage() (*staged, error) {
	rows, err := l.db.QueryContext(l.ctx, `SELECT column_name FROM duckdb_columns()
		WHERE table_name = 'stage' AND database_name = 'temp' ORDER BY column_index`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	st := &staged{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		st.columns = append(st.columns, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	st.rows, err = l.count("SELECT count(*) FROM stage")
	return st, err
}

// stageParquet reads a Parquet file; every column is cast to text so that
// validation is the same for every format. Line numbers are row numbers.
func (l *loader) stageParquet(path string) (*staged, error) {
	q := fmt.Sprintf("CREATE OR REPLACE TEMP TABLE __raw AS SELECT * FROM read_parquet(%s, hive_partitioning=false)", sqlString(path))
	if err := l.exec(q); err != nil {
		return nil, duckLoadError(path, err)
	}
	rows, err := l.db.QueryContext(l.ctx, `SELECT column_name FROM duckdb_columns()
		WHERE table_name = '__raw' AND database_name = 'temp' ORDER BY column_index`)
	if err != nil {
		return nil, err
	}
	var casts []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, err
		}
		casts = append(casts, fmt.Sprintf("CAST(%s AS VARCHAR) AS %s", ident(c), ident(c)))
	}
	rows.Close()
	if err := l.exec(fmt.Sprintf("CREATE OR REPLACE TEMP TABLE stage AS SELECT %s, rowid - (SELECT min(rowid) FROM __raw) + 1 AS __line FROM __raw",
		strings.Join(casts, ", "))); err != nil {
		return nil, err
	}
	st, err := l.describeStage()
	if err != nil {
		return nil, err
	}
	st.columns = st.columns[:len(st.columns)-1]
	return st, nil
}

// stageJSONL reads one JSON object per line with DuckDB's JSON reader; the
// columns are the union of the objects' keys. Lines that are not JSON
// objects become rejects. The reader skips blank lines; a first pass
// (scanJSONL) finds them, so that rows name their lines.
func (l *loader) stageJSONL(path string) (*staged, error) {
	lines, err := scanJSONL(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE __objects AS
		SELECT json FROM read_json_objects(%s, format='newline_delimited', ignore_errors=true, hive_partitioning=false)`, sqlString(path))
	if err := l.exec(q); err != nil {
		return nil, duckLoadError(path, err)
	}
	if err := l.exec(`CREATE OR REPLACE TEMP TABLE __raw AS
		SELECT json, rowid - (SELECT min(rowid) FROM __objects) + 1 AS __line FROM __objects`); err != nil {
		return nil, err
	}
	n, err := l.count("SELECT count(*) FROM __raw")
	if err != nil {
		return nil, err
	}
	if segs := lines.segments(nil, n); len(segs) > 1 || segs[0].delta != 0 {
		if err := l.renumber("__raw", "__line", "(__raw.__line - 1)", segs, n); err != nil {
			return nil, err
		}
	}
	rows, err := l.db.QueryContext(l.ctx, `SELECT k FROM (SELECT unnest(json_keys(json)) AS k, __line FROM __raw
		WHERE json_type(json) = 'OBJECT') GROUP BY k ORDER BY min(__line), k`)
	if err != nil {
		return nil, duckLoadError(path, err)
	}
	var cols []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return nil, err
		}
		cols = append(cols, k)
	}
	rows.Close()
	if len(cols) == 0 {
		return nil, &LoadError{File: path, Reason: "no JSON object with any field"}
	}
	var exprs []string
	for _, c := range cols {
		exprs = append(exprs, fmt.Sprintf("json ->> %s AS %s", sqlString(c), ident(c)))
	}
	if err := l.exec(fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE stage AS SELECT %s, __line FROM __raw
		WHERE json_type(json) = 'OBJECT'`, strings.Join(exprs, ", "))); err != nil {
		return nil, err
	}
	st, err := l.describeStage()
	if err != nil {
		return nil, err
	}
	st.columns = st.columns[:len(st.columns)-1]
	bad, err := l.db.QueryContext(l.ctx, `SELECT __line FROM __raw WHERE json IS NULL OR json_type(json) <> 'OBJECT' ORDER BY __line`)
	if err != nil {
		return nil, err
	}
	defer bad.Close()
	for bad.Next() {
		r := Reject{File: path, Reason: "not a JSON object"}
		if err := bad.Scan(&r.Line); err != nil {
			return nil, err
		}
		st.rejects = append(st.rejects, r)
	}
	return st, bad.Err()
}

// stagePairs reads the benchmark format `user permission` (whitespace
// separated, no header) and stages it as identity_id, entitlement_id.
func (l *loader) stagePairs(path string) (*staged, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tmp, err := l.tempFile("pairs.csv")
	if err != nil {
		return nil, err
	}
	out, err := os.Create(tmp)
	if err != nil {
		return nil, err
	}
	w := csv.NewWriter(bufio.NewWriter(out))
	w.Write([]string{"identity_id", "entitlement_id", "__line"})
	rejects, err := convertPairs(path, f, w)
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	st, err := l.stageCSV(tmp, path, false)
	if err != nil {
		return nil, err
	}
	st.columns = st.columns[:len(st.columns)-1]
	st.rejects = append(st.rejects, rejects...)
	return st, nil
}

func convertPairs(path string, r io.Reader, w *csv.Writer) ([]Reject, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var rejects []Reject
	for line := int64(1); ; line++ {
		text, err := readLine(br, maxLineBytes)
		if errors.Is(err, io.EOF) {
			return rejects, nil
		}
		reject := func(reason string) {
			rejects = append(rejects, Reject{File: path, Line: line, Reason: reason, Raw: truncate(text, 200)})
		}
		switch {
		case errors.Is(err, errLongLine):
			reject(fmt.Sprintf("line longer than %d bytes", maxLineBytes))
			continue
		case err != nil:
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		case !utf8.ValidString(text):
			reject("not valid UTF-8")
			continue
		}
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff") // a byte order mark is not part of the first user id
		}
		fields := strings.Fields(text)
		switch len(fields) {
		case 0:
			continue // blank line
		case 2:
			w.Write([]string{fields[0], fields[1], strconv.FormatInt(line, 10)})
		default:
			reject(fmt.Sprintf("want two fields `user permission`, found %d", len(fields)))
		}
	}
}

var errLongLine = errors.New("line too long")

// readLine returns the next line without its terminator; a line longer than
// limit is consumed and reported as errLongLine.
func readLine(br *bufio.Reader, limit int) (string, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) <= limit {
			buf = append(buf, chunk...)
		} else {
			buf = buf[:0]
			limit = -1
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) && len(buf) > 0 {
			err = nil
		}
		if limit < 0 && err == nil {
			return "", errLongLine
		}
		return strings.TrimRight(string(buf), "\r\n"), err
	}
}

var duckLineRE = regexp.MustCompile(`(?:on Line|in line):? (\d+)`)

// duckLoadError turns an error of DuckDB's readers into a LoadError naming
// the file and, where DuckDB says it, the line; DuckDB's long messages
// (which may quote a whole huge line) are cut down to their reason.
func duckLoadError(file string, err error) error {
	msg := err.Error()
	le := &LoadError{File: file}
	if m := duckLineRE.FindStringSubmatch(msg); m != nil {
		le.Line, _ = strconv.ParseInt(m[1], 10, 64)
	}
	switch {
	case strings.Contains(msg, "Maximum line size"):
		le.Reason = fmt.Sprintf("line longer than %d bytes", maxLineBytes)
	case strings.Contains(msg, "Invalid unicode"), strings.Contains(msg, "invalid UTF-8"):
		le.Reason = "not valid UTF-8"
	case strings.Contains(msg, "No magic bytes"), strings.Contains(msg, "not a parquet file"):
		le.Reason = "not a Parquet file"
	default:
		first := strings.SplitN(msg, "\n", 2)[0]
		first = strings.TrimPrefix(first, "Invalid Input Error: ")
		le.Reason = truncate(first, 300)
	}
	return le
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// sqlString quotes s as a SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// ident quotes s as a SQL identifier.
func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// A lineMap tells the physical line each unit of a text file starts on.
// The units are what the reader counts: for a delimited file its records,
// the header first, with each blank line a unit of its own (DuckDB's
// rejects count them so); for JSON Lines its lines. Most files have one
// unit per line, and then a row's line follows from its rowid; a quoted
// field holding line breaks, a blank line or a rejected row shifts the
// lines after it.
type lineMap struct {
	skip  []int64 // units that stage no row, ascending: the header, blank lines
	multi []span  // units spanning several lines, ascending
}

// span is a unit starting extra lines later than its predecessor alone
// would: extra counts the line breaks inside it and every earlier span.
type span struct{ unit, extra int64 }

// line returns the physical line (from 1) unit u starts on.
func (m *lineMap) line(u int64) int64 {
	i, _ := slices.BinarySearchFunc(m.multi, u, func(s span, u int64) int { return cmp.Compare(s.unit, u) })
	if i == 0 {
		return u + 1
	}
	return u + 1 + m.multi[i-1].extra
}

// segment numbers the staged rows from row on: row k (counting from 0 in
// file order) is on line k + 1 + delta.
type segment struct{ row, delta int64 }

// segments numbers rows staged rows, given the units the reader rejected
// (ascending). The first segment starts at row 0.
func (m *lineMap) segments(rejected []int64, rows int64) []segment {
	skip := mergeUnique(m.skip, rejected)
	segs := []segment{{0, 0}}
	set := func(row, delta int64) {
		last := &segs[len(segs)-1]
		switch {
		case row >= rows:
		case last.row == row:
			last.delta = delta
			if len(segs) > 1 && segs[len(segs)-2].delta == delta {
				segs = segs[:len(segs)-1]
			}
		case last.delta != delta:
			segs = append(segs, segment{row, delta})
		}
	}
	// Row k is unit u minus the skipped units before it, and starts on
	// line u + 1 plus the line breaks of the spans before it.
	var skipped, extra int64
	i, j := 0, 0
	for i < len(skip) || j < len(m.multi) {
		u := int64(math.MaxInt64)
		if i < len(skip) {
			u = skip[i]
		}
		if j < len(m.multi) && m.multi[j].unit <= u {
			u = m.multi[j].unit
			extra = m.multi[j].extra
			j++
		}
		if i < len(skip) && skip[i] == u {
			skipped++
			i++
		}
		set(u+1-skipped, skipped+extra)
	}
	return segs
}

func mergeUnique(a, b []int64) []int64 {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

// scanDelimited reads a delimited file once to map its records to lines,
// under the dialect of csvOptions: '"' quotes a field only at its start, a
// quoted field doubles its quotes and may hold line breaks, and a line is
// ended by LF or CRLF. A blank line (nothing but a CR) is a unit of its
// own. Text after a closing quote, which the reader rejects, is read as
// unquoted; an unclosed quote runs to the end of the file, as it does for
// the reader.
func scanDelimited(path string, delim byte) (*delimScan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := delimScanner{delim: delim, scan: delimScan{lines: &lineMap{skip: []int64{0}}}} // unit 0 is the header
	s.m = s.scan.lines
	buf := make([]byte, 1<<20)
	for first := true; ; first = false {
		n, err := io.ReadFull(f, buf)
		p := buf[:n]
		if first {
			p = bytes.TrimPrefix(p, []byte("\xef\xbb\xbf"))
		}
		s.feed(p)
		if !s.scan.nul && bytes.IndexByte(p, 0) >= 0 {
			s.scan.nul = true
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if s.bytes > 0 {
		s.endRecord() // the last record has no line break
	}
	return &s.scan, nil
}

// delimScan is what scanDelimited learns of a delimited file.
type delimScan struct {
	lines *lineMap
	// padded[k] is set once a value of field k (counting from 0 in its
	// record) might hold something trim removes (see mayTrim), or a quote.
	padded  []bool
	nul     bool  // some byte of the file is NUL
	quoted  bool  // some byte of the file is a quote
	longest int64 // bytes of the longest record (a bound on any value)
}

// facts are the scan's findings about the values of the columns of header.
func (d *delimScan) facts(header []string) fieldFacts {
	f := fieldFacts{bare: map[string]bool{}, noNUL: !d.nul, longest: max(d.longest, 1)}
	for k, name := range header {
		if k >= len(d.padded) || !d.padded[k] {
			f.bare[name] = true
		}
	}
	return f
}

// States of delimScanner.
const (
	fieldStart  = iota // before the first byte of a field
	unquoted           // inside an unquoted field
	quoted             // inside a quoted field
	quoteClosed        // after a quote inside a quoted field: its end, or the first of two
)

type delimScanner struct {
	delim  byte
	scan   delimScan
	m      *lineMap // scan.lines
	state  int
	unit   int64 // current record
	breaks int64 // line breaks inside the current record
	extra  int64 // line breaks inside the records before it
	bytes  int64 // bytes of the current record so far
	lastCR bool  // the last byte read was a CR

	// The current field, for scan.padded.
	field      int   // current field of the record
	fieldBytes int64 // unquoted bytes of the current field so far
	last, prev byte  // its last two unquoted bytes
}

func (s *delimScanner) feed(p []byte) {
	for len(p) > 0 {
		if s.state == quoted {
			i := bytes.IndexByte(p, '"')
			if i < 0 {
				s.breaks += int64(bytes.Count(p, []byte{'\n'}))
				s.bytes += int64(len(p))
				return
			}
			s.breaks += int64(bytes.Count(p[:i], []byte{'\n'}))
			s.bytes += int64(i + 1)
			s.state = quoteClosed
			p = p[i+1:]
			continue
		}
		end := bytes.IndexByte(p, '\n')
		text := p
		if end >= 0 {
			text = p[:end]
		}
		if q := bytes.IndexByte(text, '"'); q >= 0 {
			s.plain(text[:q])
			s.pad()
			s.scan.quoted = true
			switch s.state {
			case fieldStart, quoteClosed:
				s.state = quoted
			}
			s.bytes++
			p = p[q+1:]
			continue
		}
		s.plain(text)
		if end < 0 {
			return
		}
		s.endRecord()
		p = p[end+1:]
	}
}

// plain reads bytes outside quoted fields holding no quote and no LF.
func (s *delimScanner) plain(b []byte) {
	if len(b) == 0 {
		return
	}
	s.bytes += int64(len(b))
	s.lastCR = b[len(b)-1] == '\r'
	if b[len(b)-1] == s.delim {
		s.state = fieldStart
	} else {
		s.state = unquoted
	}
	for {
		i := bytes.IndexByte(b, s.delim)
		text := b
		if i >= 0 {
			text = b[:i]
		}
		if n := len(text); n > 0 {
			if s.fieldBytes == 0 && mayTrim(text[0]) {
				s.pad()
			}
			s.prev, s.last = s.last, text[n-1]
			if n > 1 {
				s.prev = text[n-2]
			}
			s.fieldBytes += int64(n)
		}
		if i < 0 {
			return
		}
		s.endField(false)
		b = b[i+1:]
	}
}

// endField ends the current field at a delimiter, or at the end of its
// record (atCR: before the CR of a CRLF, which is not part of the value).
func (s *delimScanner) endField(atCR bool) {
	last, n := s.last, s.fieldBytes
	if atCR {
		last, n = s.prev, n-1
	}
	if n > 0 && mayTrim(last) {
		s.pad()
	}
	s.field++
	s.fieldBytes = 0
}

// pad marks the current field as one whose values may need trimming.
func (s *delimScanner) pad() {
	for len(s.scan.padded) <= s.field {
		s.scan.padded = append(s.scan.padded, false)
	}
	s.scan.padded[s.field] = true
}

// mayTrim reports whether a value starting or ending with byte b might be
// changed by DuckDB's trim: any ASCII space or control byte, and any byte
// of a multi-byte character (Unicode has spaces beyond ASCII). It is a
// superset on purpose: a false alarm only costs the trim.
func mayTrim(b byte) bool { return b <= ' ' || b >= utf8.RuneSelf }

// endRecord ends the current record at an LF outside quotes, or at the
// end of the file.
func (s *delimScanner) endRecord() {
	s.endField(s.lastCR)
	s.scan.longest = max(s.scan.longest, s.bytes)
	switch {
	case s.bytes == 0 || s.bytes == 1 && s.lastCR:
		s.m.skip = append(s.m.skip, s.unit) // blank line
	case s.breaks > 0:
		s.extra += s.breaks
		s.m.multi = append(s.m.multi, span{s.unit, s.extra})
	}
	s.unit++
	s.state, s.breaks, s.bytes, s.lastCR = fieldStart, 0, 0, false
	s.field = 0
}

// scanJSONL maps the lines of a JSON Lines file to the rows DuckDB's reader
// makes of them: one per line, but for lines of nothing but white space,
// which it skips.
func scanJSONL(path string) (*lineMap, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := &lineMap{}
	br := bufio.NewReaderSize(f, 1<<20)
	blank := true // the current line holds only white space so far
	for unit := int64(0); ; {
		chunk, err := br.ReadSlice('\n')
		if blank && !allSpace(chunk) {
			blank = false
		}
		if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' || errors.Is(err, io.EOF) && len(chunk) > 0 {
			if blank {
				m.skip = append(m.skip, unit)
			}
			unit++
			blank = true
		}
		switch {
		case errors.Is(err, io.EOF):
			return m, nil
		case err != nil && !errors.Is(err, bufio.ErrBufferFull):
			return nil, err
		}
	}
}

// maxCaseSegments is the most segments numbered by one SQL expression;
// more go through a temp table.
const maxCaseSegments = 1024

// renumber sets column col of table to each row's line, given row, the
// SQL expression of a row's index (from 0, in file order), and the
// segments of rows rows.
func (l *loader) renumber(table, col, row string, segs []segment, rows int64) error {
	if len(segs) <= maxCaseSegments {
		return l.exec(fmt.Sprintf("UPDATE %s SET %s = %s + 1 + %s", table, col, row, deltaExpr(segs, row)))
	}
	if err := l.exec("CREATE OR REPLACE TEMP TABLE __segs (row BIGINT, delta BIGINT)"); err != nil {
		return err
	}
	for len(segs) > 0 {
		n := min(len(segs), 1000)
		var b strings.Builder
		b.WriteString("INSERT INTO __segs VALUES ")
		for k, s := range segs[:n] {
			if k > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "(%d, %d)", s.row, s.delta)
		}
		if err := l.exec(b.String()); err != nil {
			return err
		}
		segs = segs[n:]
	}
	return l.exec(fmt.Sprintf(`UPDATE %s SET %s = m.line FROM (
		SELECT unnest(range(lo, hi)) AS r, unnest(range(lo, hi)) + 1 + delta AS line FROM (
			SELECT row AS lo, lead(row, 1, %d) OVER (ORDER BY row) AS hi, delta FROM __segs)) m
		WHERE %s = m.r`, table, col, rows, row))
}

// deltaExpr is the SQL expression of the delta of row among segs: a
// balanced tree of comparisons, so that a row meets log2(len(segs)).
func deltaExpr(segs []segment, row string) string {
	if len(segs) == 1 {
		return strconv.FormatInt(segs[0].delta, 10)
	}
	mid := len(segs) / 2
	return fmt.Sprintf("(CASE WHEN %s < %d THEN %s ELSE %s END)", row, segs[mid].row, deltaExpr(segs[:mid], row), deltaExpr(segs[mid:], row))
}

// allSpace reports whether b holds only the white space DuckDB's JSON
// reader skips.
func allSpace(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n', '\f', '\v':
		default:
			return false
		}
	}
	return true
}

// plainFile is a delimited file with no quote in it: every line after the
// header is one record, and its fields are the bytes between delimiters.
type plainFile struct {
	path  string
	delim byte
}

// distinctKeys reports whether no two lines of the file share the raw
// bytes of the given fields (positions from 0), comparing 64-bit hashes.
// rows is the expected number of lines, to size the hash list. It errs on
// the safe side: a repeated hash, a blank line or a short
// line (which the loader rejects) all answer false, leaving the proof to
// SQL. A true answer is exact: lines with different hashes differ.
func (f *plainFile) distinctKeys(fields []int, rows int64) (bool, error) {
	file, err := os.Open(f.path)
	if err != nil {
		return false, err
	}
	defer file.Close()
	r := bufio.NewReaderSize(file, 1<<20)
	seed := maphash.MakeSeed()
	hashes := make([]uint64, 0, rows)
	var h maphash.Hash
	h.SetSeed(seed)
	parts := make([][]byte, 0, 16)
	for line := 0; ; line++ {
		text, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return false, nil // a line too long to check here
		}
		if len(text) > 0 && line > 0 {
			text = bytes.TrimSuffix(bytes.TrimSuffix(text, []byte{'\n'}), []byte{'\r'})
			parts = splitFields(parts[:0], text, f.delim)
			h.Reset()
			for _, k := range fields {
				if k >= len(parts) {
					return false, nil
				}
				h.Write(parts[k])
				h.WriteByte(0)
			}
			hashes = append(hashes, h.Sum64())
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return false, err
		}
	}
	slices.Sort(hashes)
	for k := 1; k < len(hashes); k++ {
		if hashes[k] == hashes[k-1] {
			return false, nil
		}
	}
	return true, nil
}

// splitFields appends the fields of a line to dst.
func splitFields(dst [][]byte, line []byte, delim byte) [][]byte {
	for {
		i := bytes.IndexByte(line, delim)
		if i < 0 {
			return append(dst, line)
		}
		dst = append(dst, line[:i])
		line = line[i+1:]
	}
}
