package datasets

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"rolemine/datasets/schema"
)

// Store is the embedded DuckDB database. It is safe for concurrent use by
// multiple goroutines, but one database file must be opened by one process
// at a time (DuckDB locks it).
type Store struct {
	db   *sql.DB
	path string
}

// Open opens (creating if needed) the database file at path and brings its
// tables up to the current schema. An empty path opens a private in-memory
// database. The caller must Close the store.
func Open(ctx context.Context, path string) (*Store, error) {
	connector, err := duckdb.NewConnector(path, func(execer driver.ExecerContext) error {
		// No network here: a query needing a missing extension must fail at
		// once with a clear error instead of trying to download it.
		for _, q := range []string{
			"SET autoinstall_known_extensions = false",
			"SET autoload_known_extensions = false",
			"SET allocator_background_threads = " + allocatorBackgroundThreads,
		} {
			if _, err := execer.ExecContext(ctx, q, nil); err != nil {
				return err
			}
		}
		if limit := memoryLimit(); limit != "" {
			if _, err := execer.ExecContext(ctx, "SET memory_limit = "+sqlString(limit), nil); err != nil {
				return fmt.Errorf("%s=%s: %w", MemoryLimitEnv, limit, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	s := &Store{db: sql.OpenDB(connector), path: path}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return s, nil
}

// NoDatabaseError is the error of OpenExisting and OpenReadOnly when no
// database file exists at Path. It matches fs.ErrNotExist.
type NoDatabaseError struct{ Path string }

func (e *NoDatabaseError) Error() string { return fmt.Sprintf("database %s does not exist", e.Path) }

// Is reports whether target is fs.ErrNotExist.
func (e *NoDatabaseError) Is(target error) bool { return target == fs.ErrNotExist }

// checkExists returns a *NoDatabaseError when there is no file at path.
func checkExists(path string) error {
	if path == "" {
		return &NoDatabaseError{Path: `""`}
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return &NoDatabaseError{Path: path}
	} else if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	return nil
}

// OpenExisting is Open for a database that must already exist: when there
// is no file at path it returns a *NoDatabaseError and creates nothing.
// The caller must Close the store.
func OpenExisting(ctx context.Context, path string) (*Store, error) {
	if err := checkExists(path); err != nil {
		return nil, err
	}
	return Open(ctx, path)
}

// readOnlyConfig is the DuckDB configuration of OpenReadOnly: the database
// is attached read-only, no statement may touch any other file (COPY … TO,
// EXPORT DATABASE, ATTACH, read_csv, INSTALL and LOAD all fail), and the
// configuration is locked so that no statement can undo this.
const readOnlyConfig = "?access_mode=READ_ONLY&enable_external_access=false" +
	"&autoinstall_known_extensions=false&autoload_known_extensions=false" +
	"&allocator_background_threads=" + allocatorBackgroundThreads + "&lock_configuration=true"

// OpenReadOnly opens the existing database at path for reading only: no
// statement can change it (CREATE, INSERT and the like fail) or read or
// write any other file. Temporary tables are allowed; they live in memory
// and vanish on Close. When there is no file at path it returns a
// *NoDatabaseError and creates nothing. The schema is not migrated, so a
// database last written by an older rolemine lacks what it did not have.
// Several processes may read one database at once, but not while another
// holds it open for writing (DuckDB locks it). The caller must Close the
// store.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	if err := checkExists(path); err != nil {
		return nil, err
	}
	config := readOnlyConfig
	if limit := memoryLimit(); limit != "" {
		config += "&memory_limit=" + url.QueryEscape(limit)
	}
	connector, err := duckdb.NewConnector(path+config, nil)
	if err != nil {
		return nil, fmt.Errorf("open database %s read-only: %w", path, err)
	}
	s := &Store{db: sql.OpenDB(connector), path: path}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("open database %s read-only: %w", path, err)
	}
	return s, nil
}

// IsReadOnly reports whether err is the refusal of a statement by a store
// opened with OpenReadOnly: one that would change the database or touch
// another file.
func IsReadOnly(err error) bool {
	var de *duckdb.Error
	if !errors.As(err, &de) {
		return false
	}
	return de.Type == duckdb.ErrorTypePermission ||
		de.Type == duckdb.ErrorTypeInvalidInput && strings.Contains(de.Msg, "read-only mode")
}

// Close closes the database. The store must not be used afterwards.
func (s *Store) Close() error { return s.db.Close() }

// Path returns the database file path ("" for in-memory).
func (s *Store) Path() string { return s.path }

// DB returns the underlying database handle for queries and writes of
// results. Callers must not change the canonical tables through it.
func (s *Store) DB() *sql.DB { return s.db }

// Arrow runs query and passes its result, streamed as Arrow record batches,
// to fn. The reader and every record it yields are valid only until fn
// returns; a record is valid only until the next call to Next.
func (s *Store) Arrow(ctx context.Context, query string, fn func(array.RecordReader) error, args ...any) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		r, err := ar.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer r.Release()
		return fn(r)
	})
}

// metaTables are the store's own tables, created before the canonical ones.
var metaTables = []string{
	`CREATE TABLE IF NOT EXISTS snapshots (
		snapshot_id BIGINT PRIMARY KEY, created_at TIMESTAMP NOT NULL, note VARCHAR)`,
	`CREATE TABLE IF NOT EXISTS snapshot_files (
		snapshot_id BIGINT NOT NULL, table_name VARCHAR NOT NULL, file VARCHAR NOT NULL,
		format VARCHAR, sha256 VARCHAR, bytes BIGINT, rows_read BIGINT, rows_loaded BIGINT,
		rows_rejected BIGINT, duplicates BIGINT, columns VARCHAR[], attributes VARCHAR[],
		ignored VARCHAR[])`,
	// Added after the first release: what a load stored, and the snapshot
	// whose rows an unchanged table kept (see loader.unchangedTables).
	`ALTER TABLE snapshot_files ADD COLUMN IF NOT EXISTS load_key VARCHAR`,
	`ALTER TABLE snapshot_files ADD COLUMN IF NOT EXISTS reused_from BIGINT`,
	`CREATE TABLE IF NOT EXISTS rejects (
		snapshot_id BIGINT NOT NULL, table_name VARCHAR, file VARCHAR, line BIGINT,
		column_name VARCHAR, reason VARCHAR, raw VARCHAR)`,
	`CREATE TABLE IF NOT EXISTS load_warnings (
		snapshot_id BIGINT NOT NULL, table_name VARCHAR, file VARCHAR, message VARCHAR)`,
	`CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)`,
	`INSERT INTO meta SELECT 'database_id', md5(uuid()::VARCHAR) WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'database_id')`,
	`CREATE TABLE IF NOT EXISTS attributes (
		snapshot_id BIGINT NOT NULL, entity VARCHAR NOT NULL, subject_id VARCHAR NOT NULL,
		name VARCHAR NOT NULL, value VARCHAR)`,
}

func (s *Store) migrate(ctx context.Context) error {
	stmts := append([]string(nil), metaTables...)
	for _, t := range schema.Canonical() {
		stmts = append(stmts, createTable(t), createCurrentView(t))
	}
	stmts = append(stmts, attributeViews...)
	for _, t := range schema.Results() {
		stmts = append(stmts, createResultTable(t))
		stmts = append(stmts, addResultColumns(t)...)
	}
	for _, q := range stmts {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
	}
	return nil
}

func createTable(t schema.Table) string {
	cols := []string{"snapshot_id BIGINT NOT NULL"}
	for _, c := range t.Columns {
		cols = append(cols, fmt.Sprintf("%s %s", c.Name, c.Type))
	}
	return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (%s)", t.Name, strings.Join(cols, ", "))
}

func createResultTable(t schema.Table) string {
	var cols []string
	for _, c := range t.Columns {
		cols = append(cols, fmt.Sprintf("%q %s", c.Name, c.Type))
	}
	return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (%s)", t.Name, strings.Join(cols, ", "))
}

// addResultColumns adds columns a result table gained since the database
// was created; existing rows read NULL in them.
func addResultColumns(t schema.Table) []string {
	var stmts []string
	for _, c := range t.Columns {
		stmts = append(stmts, fmt.Sprintf("ALTER TABLE %s ADD COLUMN IF NOT EXISTS %q %s", t.Name, c.Name, c.Type))
	}
	return stmts
}

// createCurrentView defines current_<table>; see the package doc.
//
// An events table's view picks the newest row of each key by a window over
// every row, which takes seconds on tens of millions of rows. When all the
// rows were stored by one file, loaded once (one row of snapshot_files
// that is not a reuse), they are distinct by key already, since a load
// collapses repeated keys: the view then returns them as they are.
func createCurrentView(t schema.Table) string {
	if t.Mode == schema.State {
		return fmt.Sprintf(`CREATE OR REPLACE VIEW current_%[1]s AS
			SELECT * FROM %[1]s WHERE snapshot_id = (SELECT max(snapshot_id) FROM %[1]s)`, t.Name)
	}
	return fmt.Sprintf(`CREATE OR REPLACE VIEW current_%[1]s AS
		WITH one_file AS (
			SELECT count(*) = 1 AS yes FROM snapshot_files
			WHERE table_name = '%[1]s' AND reused_from IS NULL AND snapshot_id IN (SELECT DISTINCT snapshot_id FROM %[1]s))
		SELECT * FROM %[1]s WHERE (SELECT yes FROM one_file)
		UNION ALL
		SELECT * FROM %[1]s WHERE NOT (SELECT yes FROM one_file)
		QUALIFY row_number() OVER (PARTITION BY %[2]s ORDER BY snapshot_id DESC) = 1`,
		t.Name, strings.Join(t.Key, ", "))
}

// attributeViews give the attributes of the current identities and requests.
var attributeViews = []string{
	`CREATE OR REPLACE VIEW current_identity_attributes AS
		SELECT subject_id AS identity_id, name, value FROM attributes
		WHERE entity = 'identity' AND snapshot_id = (SELECT max(snapshot_id) FROM identities)`,
	`CREATE OR REPLACE VIEW current_request_attributes AS
		SELECT subject_id AS request_id, name, value FROM attributes WHERE entity = 'request'
		QUALIFY row_number() OVER (PARTITION BY subject_id, name ORDER BY snapshot_id DESC) = 1`,
}

// DatabaseID returns the random id given to the database when it was
// created; policies record it so that they are applied only to the data
// they were learned from.
func (s *Store) DatabaseID(ctx context.Context) (string, error) {
	var id string
	err := s.db.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'database_id'").Scan(&id)
	return id, err
}

// LatestSnapshot returns the newest snapshot id, or 0 when nothing has been
// loaded.
func (s *Store) LatestSnapshot(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	err := s.db.QueryRowContext(ctx, "SELECT max(snapshot_id) FROM snapshots").Scan(&id)
	return id.Int64, err
}

// Count returns the number of rows of the current view of a canonical table.
func (s *Store) Count(ctx context.Context, table string) (int64, error) {
	t, ok := schema.Lookup(table)
	if !ok {
		return 0, fmt.Errorf("unknown table %q (canonical tables: %s)", table, strings.Join(schema.Names(), ", "))
	}
	var n int64
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM current_"+t.Name).Scan(&n)
	return n, err
}

// errNoSnapshot is returned by stages that need loaded data.
var errNoSnapshot = errors.New("the database holds no data yet: run rolemine ingest first")
