package datasets

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
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
// display is the file name used in messages.
func (l *loader) stageCSV(path, display string, tsv bool) (*staged, error) {
	header, err := readHeader(path, display, tsv)
	if err != nil {
		return nil, err
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
	if err := l.csvRejects(display, st); err != nil {
		return nil, err
	}
	return st, l.numberCSVLines(st)
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
// inside one rejected row.
func (l *loader) csvRejects(display string, st *staged) error {
	rows, err := l.tx.QueryContext(l.ctx, `SELECT line, coalesce(column_name, ''), error_type, error_message, csv_line
		FROM __rej_errors ORDER BY line`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r Reject
		var kind, msg string
		if err := rows.Scan(&r.Line, &r.Column, &kind, &msg, &r.Raw); err != nil {
			return err
		}
		r.File = display
		r.Reason = csvReason(kind, msg)
		if kind == "UNQUOTED VALUE" {
			return &LoadError{File: display, Line: r.Line, Column: r.Column, Reason: r.Reason}
		}
		r.Raw = truncate(r.Raw, 1000)
		st.rejects = append(st.rejects, r)
	}
	return rows.Err()
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

// numberCSVLines gives each staged row its line in the file: the header is
// line 1, and lines the reader rejected are skipped. Rows spanning several
// lines (quoted newlines) shift later numbers; messages then name the record.
func (l *loader) numberCSVLines(st *staged) error {
	if len(st.rejects) == 0 {
		return nil // line = rowid - first rowid + 2, see plan.line
	}
	if len(st.rejects) > l.opts.MaxErrors {
		return nil // the load fails before lines are needed
	}
	base, err := l.count("SELECT min(rowid) FROM stage")
	if err != nil {
		return err
	}
	if err := l.exec("ALTER TABLE stage ADD COLUMN __line BIGINT; UPDATE stage SET __line = rowid - ? + 2", base); err != nil {
		return err
	}
	for _, r := range st.rejects {
		if err := l.exec("UPDATE stage SET __line = __line + 1 WHERE __line >= ?", r.Line); err != nil {
			return err
		}
	}
	return nil
}

// describeStage lists the staged columns and counts the rows.
func (l *loader) describeStage() (*staged, error) {
	rows, err := l.tx.QueryContext(l.ctx, `SELECT column_name FROM duckdb_columns()
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
	rows, err := l.tx.QueryContext(l.ctx, `SELECT column_name FROM duckdb_columns()
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
// objects become rejects.
func (l *loader) stageJSONL(path string) (*staged, error) {
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE __objects AS
		SELECT json FROM read_json_objects(%s, format='newline_delimited', ignore_errors=true, hive_partitioning=false)`, sqlString(path))
	if err := l.exec(q); err != nil {
		return nil, duckLoadError(path, err)
	}
	if err := l.exec(`CREATE OR REPLACE TEMP TABLE __raw AS
		SELECT json, rowid - (SELECT min(rowid) FROM __objects) + 1 AS __line FROM __objects`); err != nil {
		return nil, err
	}
	rows, err := l.tx.QueryContext(l.ctx, `SELECT k FROM (SELECT unnest(json_keys(json)) AS k, __line FROM __raw
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
	bad, err := l.tx.QueryContext(l.ctx, `SELECT __line FROM __raw WHERE json IS NULL OR json_type(json) <> 'OBJECT' ORDER BY __line`)
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
