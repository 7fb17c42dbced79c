package datasets

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"rolemine/datasets/schema"
)

// IngestOptions control a load.
type IngestOptions struct {
	// MaxErrors is how many bad rows may be set aside in the rejects table
	// before the load fails; 0 fails on the first bad row.
	MaxErrors int
	// MaxFieldBytes is the longest field accepted; longer ones reject the row.
	MaxFieldBytes int
	// Note is stored with the snapshot.
	Note string
	// Now is the snapshot time; zero means time.Now.
	Now time.Time
}

// DefaultIngestOptions are the options of `rolemine ingest`.
var DefaultIngestOptions = IngestOptions{MaxErrors: 0, MaxFieldBytes: 1 << 16}

// IngestReport says what a load did.
type IngestReport struct {
	SnapshotID int64
	Reused     bool // the same files were already the newest snapshot; nothing loaded
	Files      []FileReport
	Warnings   []string // unknown references and ignored columns; also stored in load_warnings
}

// FileReport is the outcome of loading one file into one table.
type FileReport struct {
	Table, File  string
	Format       Format
	SHA256       string
	Bytes        int64
	RowsRead     int64 // data rows in the file, including rejected ones
	RowsLoaded   int64 // rows stored
	Rejected     int64 // rows set aside in the rejects table
	Duplicates   int64 // exact duplicate rows collapsed
	Columns      []string
	Attributes   []string // source columns kept as attributes
	Ignored      []string // source columns dropped
	PendingNoCol bool     // requests without a decision column: all pending
	// LoadKey identifies what loading the file stores (see loader.loadKey).
	LoadKey string
	// ReusedFrom, when not 0, is the earlier snapshot whose rows of the
	// table stand for this one: the table's files and options are those
	// of its latest load, so nothing was read again (counts are that load's).
	ReusedFrom int64
}

// Reject is a row set aside with its reason.
type Reject struct {
	File   string
	Line   int64 // 1-based line (record number + header lines for CSV)
	Column string
	Reason string
	Raw    string
}

func (r Reject) String() string {
	loc := r.File
	if r.Line > 0 {
		loc = fmt.Sprintf("%s:%d", r.File, r.Line)
	}
	if r.Column != "" {
		return fmt.Sprintf("%s: column %s: %s", loc, r.Column, r.Reason)
	}
	return fmt.Sprintf("%s: %s", loc, r.Reason)
}

// LoadError is a load that failed; the database is unchanged.
type LoadError struct {
	File    string
	Line    int64
	Column  string
	Reason  string
	Rejects []Reject // the bad rows found, when the load failed on too many
}

func (e *LoadError) Error() string {
	msg := Reject{File: e.File, Line: e.Line, Column: e.Column, Reason: e.Reason}.String()
	if len(e.Rejects) > 1 {
		msg += fmt.Sprintf(" (and %d more bad rows)", len(e.Rejects)-1)
	}
	return msg
}

// Ingest loads sources into a new snapshot in one transaction. On error the
// database is unchanged and the error (a *LoadError for bad data) names the
// file and line.
func (s *Store) Ingest(ctx context.Context, sources []Source, opts IngestOptions) (*IngestReport, error) {
	if len(sources) == 0 {
		panic("datasets: Ingest with no sources")
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	var resolved []Source
	for _, src := range sources {
		r, err := src.resolve()
		if err != nil {
			return nil, err
		}
		resolved = append(resolved, r)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	l := &loader{ctx: ctx, tx: tx, opts: opts}
	report, err := l.run(resolved)
	if err != nil {
		return nil, err
	}
	if report.Reused {
		return report, nil
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit snapshot %d: %w", report.SnapshotID, err)
	}
	return report, nil
}

// loader carries one ingest transaction.
type loader struct {
	ctx      context.Context
	tx       *sql.Tx
	opts     IngestOptions
	snapshot int64
	report   IngestReport
	tmpDir   string
}

func (l *loader) exec(q string, args ...any) error {
	_, err := l.tx.ExecContext(l.ctx, q, args...)
	return err
}

func (l *loader) count(q string, args ...any) (int64, error) {
	var n sql.NullInt64
	err := l.tx.QueryRowContext(l.ctx, q, args...).Scan(&n)
	return n.Int64, err
}

func (l *loader) run(sources []Source) (*IngestReport, error) {
	hashes := make([]string, len(sources))
	sizes := make([]int64, len(sources))
	for k, src := range sources {
		h, n, err := hashFile(src.Path)
		if err != nil {
			return nil, err
		}
		hashes[k], sizes[k] = h, n
	}
	keys := make([]string, len(sources))
	for k, src := range sources {
		keys[k] = l.loadKey(src, hashes[k])
	}
	last, err := l.count("SELECT max(snapshot_id) FROM snapshots")
	if err != nil {
		return nil, err
	}
	if reused, err := l.sameAsSnapshot(last, keys); err != nil || reused {
		return &IngestReport{SnapshotID: last, Reused: reused}, err
	}
	unchanged, err := l.unchangedTables(sources, keys)
	if err != nil {
		return nil, err
	}
	l.snapshot = last + 1
	l.report.SnapshotID = l.snapshot
	if err := l.exec("INSERT INTO snapshots VALUES (?, ?, ?)", l.snapshot, l.opts.Now.UTC(), l.opts.Note); err != nil {
		return nil, err
	}
	defer l.cleanup()
	for k, src := range sources {
		load := l.loadSource
		if from, ok := unchanged[src.Table]; ok {
			load = func(src Source, _ string, _ int64) error { return l.keepFile(src, keys[k], from) }
		}
		if err := load(src, hashes[k], sizes[k]); err != nil {
			return nil, err
		}
	}
	if err := l.checkReferences(); err != nil {
		return nil, err
	}
	return &l.report, nil
}

// loadKey identifies what loading a file stores: its content (hash), and
// every option that changes which rows are stored or rejected: table,
// format, column mapping, decision values, field limit and error budget.
// Two loads with one key store the same rows.
func (l *loader) loadKey(src Source, hash string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\x00%d\x00", hash, src.Table, src.Format, l.opts.MaxFieldBytes, l.opts.MaxErrors)
	for _, canon := range slices.Sorted(maps.Keys(src.Map)) {
		fmt.Fprintf(h, "map\x00%s\x00%s\x00", canon, src.Map[canon])
	}
	fmt.Fprintf(h, "approved\x00%q\x00denied\x00%q", src.ApprovedValues, src.DeniedValues)
	return hex.EncodeToString(h.Sum(nil))
}

// sameAsSnapshot reports whether snapshot id loaded exactly these files
// with the same options (by load key), so loading them again would change
// nothing.
func (l *loader) sameAsSnapshot(id int64, keys []string) (bool, error) {
	if id == 0 {
		return false, nil
	}
	rows, err := l.tx.QueryContext(l.ctx, "SELECT DISTINCT coalesce(load_key, '') FROM snapshot_files WHERE snapshot_id = ?", id)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	var old []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return false, err
		}
		old = append(old, h)
	}
	cur := slices.Clone(keys)
	slices.Sort(old)
	slices.Sort(cur)
	return slices.Equal(old, slices.Compact(cur)), rows.Err()
}

// unchangedTables returns, for each table whose files (by load key) are
// exactly those of the table's latest load, the snapshot holding that
// load's rows. Such a table need not be read again: its rows stand (see
// keepFile). Directory exports, which fill several tables from one file,
// are always loaded.
func (l *loader) unchangedTables(sources []Source, keys []string) (map[string]int64, error) {
	want := map[string][]string{}
	for k, src := range sources {
		if src.Format.IsExport() {
			want[src.Table] = append(want[src.Table], "export")
			continue
		}
		want[src.Table] = append(want[src.Table], keys[k])
	}
	rows, err := l.tx.QueryContext(l.ctx, `SELECT table_name, min(coalesce(reused_from, snapshot_id)),
			list(coalesce(load_key, '') ORDER BY load_key)
		FROM snapshot_files f WHERE snapshot_id = (SELECT max(snapshot_id) FROM snapshot_files g WHERE g.table_name = f.table_name)
		GROUP BY table_name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	unchanged := map[string]int64{}
	for rows.Next() {
		var table string
		var from int64
		var old duckdb.Composite[[]string]
		if err := rows.Scan(&table, &from, &old); err != nil {
			return nil, err
		}
		cur := slices.Sorted(slices.Values(want[table]))
		if len(cur) > 0 && slices.Equal(cur, old.Get()) {
			unchanged[table] = from
		}
	}
	return unchanged, rows.Err()
}

// keepFile records a file of an unchanged table (see unchangedTables):
// the rows of snapshot from stand for this snapshot's, so nothing is read,
// and the file's report repeats the counts of the load that stored them.
// Its rows are not checked against the references again.
func (l *loader) keepFile(src Source, key string, from int64) error {
	fr := FileReport{Table: src.Table, File: src.Path, Format: src.Format, LoadKey: key, ReusedFrom: from}
	var cols, attrs, ignored duckdb.Composite[[]string]
	err := l.tx.QueryRowContext(l.ctx, `SELECT sha256, bytes, rows_read, rows_loaded, rows_rejected, duplicates, columns, attributes, ignored
		FROM snapshot_files WHERE table_name = ? AND load_key = ? AND coalesce(reused_from, snapshot_id) = ? LIMIT 1`,
		src.Table, key, from).Scan(&fr.SHA256, &fr.Bytes, &fr.RowsRead, &fr.RowsLoaded, &fr.Rejected, &fr.Duplicates, &cols, &attrs, &ignored)
	if err != nil {
		return fmt.Errorf("%s: the load of snapshot %d: %w", src.Path, from, err)
	}
	fr.Columns, fr.Attributes, fr.Ignored = cols.Get(), attrs.Get(), ignored.Get()
	if err := l.recordFile(src, &fr); err != nil {
		return err
	}
	l.report.Files = append(l.report.Files, fr)
	return nil
}

func (l *loader) cleanup() {
	if l.tmpDir != "" {
		os.RemoveAll(l.tmpDir)
	}
}

// tempFile returns a path for an intermediate file of this load.
func (l *loader) tempFile(name string) (string, error) {
	if l.tmpDir == "" {
		dir, err := os.MkdirTemp("", "rolemine-ingest-")
		if err != nil {
			return "", err
		}
		l.tmpDir = dir
	}
	return filepath.Join(l.tmpDir, name), nil
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// loadSource stages one file and moves its valid rows into the canonical
// table(s).
func (l *loader) loadSource(src Source, hash string, size int64) error {
	if size == 0 {
		return &LoadError{File: src.Path, Reason: "file is empty"}
	}
	if src.Format.IsExport() {
		return l.loadExport(src, hash, size)
	}
	st, err := l.stage(src)
	if err != nil {
		return err
	}
	t, _ := schema.Lookup(src.Table)
	fr := FileReport{Table: t.Name, File: src.Path, Format: src.Format, SHA256: hash, Bytes: size, LoadKey: l.loadKey(src, hash)}
	return l.loadStaged(t, src, st, &fr)
}

// staged describes the temp table "stage" holding a file's rows as text.
type staged struct {
	columns []string // source column names, in file order
	rows    int64    // rows staged (parse rejects excluded)
	rejects []Reject // rows the reader could not parse
	facts   fieldFacts
	// plainFile is set for a delimited file holding no quote at all: each
	// line is a record, split at every delimiter (see distinctKeys).
	plainFile *plainFile
}

// fieldFacts are what a scan of the file proved about all its values, so
// that the loader can leave out checks and conversions that would change
// nothing; on tens of millions of rows they are most of the load's cost.
// Only delimited files are scanned (scanDelimited); for other formats the
// zero value claims nothing and every check runs.
type fieldFacts struct {
	// bare holds the columns no value of which starts or ends with white
	// space or is quoted (so none is an empty string: an empty field is
	// NULL): trimming them changes nothing.
	bare map[string]bool
	// noNUL: no value holds a NUL byte.
	noNUL bool
	// longest bounds the length of every value in bytes; 0 means unknown.
	longest int64
}

// stage reads a file into the temp table stage (all VARCHAR columns plus
// __line, the row's line in the file).
func (l *loader) stage(src Source) (*staged, error) {
	switch src.Format {
	case FormatCSV, FormatTSV:
		return l.stageCSV(src.Path, src.Path, src.Format == FormatTSV)
	case FormatParquet:
		return l.stageParquet(src.Path)
	case FormatJSONL:
		return l.stageJSONL(src.Path)
	case FormatPairs:
		return l.stagePairs(src.Path)
	}
	panic(fmt.Sprintf("datasets: stage of format %q", src.Format))
}
