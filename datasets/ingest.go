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
	"strconv"
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
//
// The files are staged first, each into a temp table of the load's
// connection, outside the transaction; the transaction then validates them
// and moves their rows into the canonical tables. DuckDB scans a table
// created inside a transaction on one thread only: staged inside it, the
// rows of a large file were converted and inserted at half the speed.
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
	l := &loader{ctx: ctx, conn: conn, db: conn, opts: opts}
	defer l.cleanup()
	p, err := l.prepare(resolved)
	if err != nil || p.reused != nil {
		return p.reused, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	l.db = tx
	report, err := l.load(p)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit snapshot %d: %w", report.SnapshotID, err)
	}
	return report, nil
}

// loader carries one ingest: its connection, and the transaction once the
// files are staged.
type loader struct {
	ctx      context.Context
	conn     *sql.Conn
	db       querier // conn while staging, then the load's transaction
	opts     IngestOptions
	snapshot int64
	report   IngestReport
	tmpDir   string
	staged   []string // temp tables of staged files not yet loaded
}

// querier runs statements: a connection or a transaction on it.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (l *loader) exec(q string, args ...any) error {
	_, err := l.db.ExecContext(l.ctx, q, args...)
	return err
}

func (l *loader) count(q string, args ...any) (int64, error) {
	var n sql.NullInt64
	err := l.db.QueryRowContext(l.ctx, q, args...).Scan(&n)
	return n.Int64, err
}

// loadPlan is what prepare found and staged for load.
type loadPlan struct {
	sources      []Source
	hashes, keys []string
	sizes        []int64
	last         int64            // the newest snapshot when the load began
	unchanged    map[string]int64 // table → snapshot whose rows stand
	staged       []*staged        // per source, nil when not staged
	reused       *IngestReport    // the files are those of snapshot last
}

// prepare hashes the sources, finds whether they or some of their tables
// are loaded already, refuses an empty file to be loaded, and stages every
// other file (exports excepted: one export fills several tables, and is
// staged as it is loaded). It runs outside the load's transaction and
// changes only temp tables.
func (l *loader) prepare(sources []Source) (*loadPlan, error) {
	p := &loadPlan{sources: sources, hashes: make([]string, len(sources)), keys: make([]string, len(sources)),
		sizes: make([]int64, len(sources)), staged: make([]*staged, len(sources))}
	for k, src := range sources {
		h, n, err := hashFile(src.Path)
		if err != nil {
			return p, err
		}
		p.hashes[k], p.sizes[k], p.keys[k] = h, n, l.loadKey(src, h)
	}
	var err error
	if p.last, err = l.count("SELECT max(snapshot_id) FROM snapshots"); err != nil {
		return p, err
	}
	if reused, err := l.sameAsSnapshot(p.last, p.keys); err != nil || reused {
		if reused {
			p.reused = &IngestReport{SnapshotID: p.last, Reused: true}
		}
		return p, err
	}
	if p.unchanged, err = l.unchangedTables(sources, p.keys); err != nil {
		return p, err
	}
	for k, src := range sources {
		if _, ok := p.unchanged[src.Table]; ok {
			continue
		}
		if p.sizes[k] == 0 {
			return p, &LoadError{File: src.Path, Reason: "file is empty"}
		}
		if src.Format.IsExport() {
			continue
		}
		st, err := l.stage(src)
		if err != nil {
			return p, err
		}
		name := stageName(k)
		if err := l.exec("ALTER TABLE stage RENAME TO " + name); err != nil {
			return p, err
		}
		l.staged = append(l.staged, name)
		p.staged[k] = st
	}
	return p, nil
}

// stageName is the temp table prepare stages source k into.
func stageName(k int) string { return "stage_" + strconv.Itoa(k) }

// load makes the new snapshot from plan p, in the load's transaction.
func (l *loader) load(p *loadPlan) (*IngestReport, error) {
	last, err := l.count("SELECT max(snapshot_id) FROM snapshots")
	if err != nil {
		return nil, err
	}
	if last != p.last {
		return nil, fmt.Errorf("snapshot %d was loaded while these files were staged: load them again", last)
	}
	l.snapshot = last + 1
	l.report.SnapshotID = l.snapshot
	if err := l.exec("INSERT INTO snapshots VALUES (?, ?, ?)", l.snapshot, l.opts.Now.UTC(), l.opts.Note); err != nil {
		return nil, err
	}
	for k, src := range p.sources {
		var err error
		switch from, ok := p.unchanged[src.Table]; {
		case ok:
			err = l.keepFile(src, p.keys[k], from)
		case p.staged[k] != nil:
			err = l.loadStagedFile(src, p.hashes[k], p.sizes[k], stageName(k), p.staged[k])
		default:
			err = l.loadExport(src, p.hashes[k], p.sizes[k])
		}
		if err != nil {
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
	rows, err := l.db.QueryContext(l.ctx, "SELECT DISTINCT coalesce(load_key, '') FROM snapshot_files WHERE snapshot_id = ?", id)
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
	rows, err := l.db.QueryContext(l.ctx, `SELECT table_name, min(coalesce(reused_from, snapshot_id)),
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
	err := l.db.QueryRowContext(l.ctx, `SELECT sha256, bytes, rows_read, rows_loaded, rows_rejected, duplicates, columns, attributes, ignored
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
	for _, name := range l.staged { // left by a load that failed
		l.conn.ExecContext(l.ctx, "DROP TABLE IF EXISTS "+name)
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

// loadStagedFile moves the valid rows of the file src staged as table name
// into the canonical table, and drops the staged rows.
func (l *loader) loadStagedFile(src Source, hash string, size int64, name string, st *staged) error {
	if err := l.exec("ALTER TABLE " + name + " RENAME TO stage"); err != nil {
		return err
	}
	t, _ := schema.Lookup(src.Table)
	fr := FileReport{Table: t.Name, File: src.Path, Format: src.Format, SHA256: hash, Bytes: size, LoadKey: l.loadKey(src, hash)}
	if err := l.loadStaged(t, src, st, &fr); err != nil {
		return err
	}
	return l.exec("DROP TABLE stage")
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
