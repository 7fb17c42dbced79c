package export

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Files of a partition export.
const (
	// PartitionManifestFile is the manifest's name in the export directory.
	PartitionManifestFile = "manifest.json"
	// PartitionFormat names the layout a manifest describes.
	PartitionFormat = "rolemine-partitions/1"
)

// PartitionColumns are the columns of every partition's Parquet file, both
// VARCHAR, one row per distinct assignment, ordered by identity and then
// entitlement.
var PartitionColumns = []string{"identity_id", "entitlement_id"}

// Partition is one partition to export: its number and the entitlements
// whose assignments it holds.
type Partition struct {
	ID           int
	Entitlements []string
}

// PartitionExport says what WritePartitions writes.
type PartitionExport struct {
	// From is the relation holding the assignments, with VARCHAR columns
	// identity_id and entitlement_id (others are ignored), such as
	// "current_assignments" or "snap.current_assignments" of an attached
	// database. It is put into the queries as written.
	From string
	// Snapshot is the snapshot the assignments belong to, recorded in the
	// manifest.
	Snapshot int64
	// Partitions are the partitions, each entitlement in at most one of
	// them, and each identity's assignments within one partition (so
	// partitions are unions of connected blocks; see mining.Partitions).
	Partitions []Partition
}

// PartitionManifest describes a partition export: the snapshot and, per
// partition, its Parquet file and its size. It is the only list of the
// export's files: a directory exported into twice may hold files of the
// first export that its manifest does not list.
type PartitionManifest struct {
	Format     string          `json:"format"` // PartitionFormat
	Snapshot   int64           `json:"snapshot"`
	Columns    []string        `json:"columns"` // PartitionColumns
	Partitions []PartitionFile `json:"partitions"`
}

// PartitionFile is one partition's file in a manifest.
type PartitionFile struct {
	ID int `json:"id"`
	// Path is the file's path relative to the manifest's directory,
	// slash-separated: "partition=000001/assignments.parquet".
	Path         string `json:"path"`
	Identities   int    `json:"identities"`
	Entitlements int    `json:"entitlements"`
	Assignments  int    `json:"assignments"`
}

// PartitionPath returns the path of partition id's file relative to the
// export directory.
func PartitionPath(id int) string {
	return path.Join(fmt.Sprintf("partition=%06d", id), "assignments.parquet")
}

// WritePartitions writes the assignments of each partition of e into dir
// (created), one Parquet file per partition at PartitionPath, with DuckDB's
// COPY … TO, and then the manifest, and returns the manifest. db must allow
// writing files (a database opened by datasets.OpenReadOnly does not); only
// a temporary table is created in it. It returns an error naming the
// entitlement or identity involved when an assignment of e.From is in no
// partition, when an entitlement is in two, or when an identity has
// assignments in two partitions.
func WritePartitions(ctx context.Context, db *sql.DB, dir string, e PartitionExport) (PartitionManifest, error) {
	m := PartitionManifest{Format: PartitionFormat, Snapshot: e.Snapshot, Columns: PartitionColumns}
	conn, err := db.Conn(ctx) // the temporary table lives on one connection
	if err != nil {
		return m, err
	}
	defer conn.Close()
	if err := loadPartitionMap(ctx, conn, e.Partitions); err != nil {
		return m, err
	}
	files, err := checkPartitions(ctx, conn, e.From)
	if err != nil {
		return m, err
	}
	for _, f := range files {
		target := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return m, err
		}
		q := fmt.Sprintf(`COPY (SELECT DISTINCT a.identity_id, a.entitlement_id FROM %s a
			JOIN __partitions p USING (entitlement_id) WHERE p.partition = %d ORDER BY ALL)
			TO %s (FORMAT parquet)`, e.From, f.ID, sqlString(target))
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return m, fmt.Errorf("write partition %d to %s: %w", f.ID, target, err)
		}
	}
	m.Partitions = files
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, err
	}
	return m, os.WriteFile(filepath.Join(dir, PartitionManifestFile), append(data, '\n'), 0o644)
}

// loadPartitionMap fills the temporary table __partitions (entitlement_id,
// partition) from parts.
func loadPartitionMap(ctx context.Context, conn *sql.Conn, parts []Partition) error {
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE __partitions
		(entitlement_id VARCHAR, partition INTEGER)`); err != nil {
		return fmt.Errorf("partition map: %w", err)
	}
	const batch = 500
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		q := "INSERT INTO __partitions VALUES " + strings.Repeat("(?, ?), ", len(args)/2-1) + "(?, ?)"
		_, err := conn.ExecContext(ctx, q, args...)
		args = args[:0]
		return err
	}
	for _, p := range parts {
		for _, ent := range p.Entitlements {
			args = append(args, ent, p.ID)
			if len(args) == 2*batch {
				if err := flush(); err != nil {
					return fmt.Errorf("partition map: %w", err)
				}
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("partition map: %w", err)
	}
	return nil
}

// checkPartitions checks the partition map against the assignments of from
// and returns the files to write, by ascending partition id, with their
// sizes.
func checkPartitions(ctx context.Context, conn *sql.Conn, from string) ([]PartitionFile, error) {
	checks := []struct{ query, problem string }{
		{`SELECT entitlement_id, min(partition) || ' and ' || max(partition) FROM __partitions
			GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 1`, "entitlement %s is in partitions %s"},
		{fmt.Sprintf(`SELECT a.entitlement_id, a.identity_id FROM %s a ANTI JOIN __partitions p USING (entitlement_id)
			ORDER BY ALL LIMIT 1`, from), "entitlement %s (held by %s) is in no partition"},
		{fmt.Sprintf(`SELECT a.identity_id, min(p.partition) || ' and ' || max(p.partition) FROM %s a
			JOIN __partitions p USING (entitlement_id) GROUP BY 1 HAVING count(DISTINCT p.partition) > 1
			ORDER BY 1 LIMIT 1`, from), "identity %s has assignments in partitions %s: partitions must not split a connected block"},
	}
	for _, c := range checks {
		var a, b string
		err := conn.QueryRowContext(ctx, c.query).Scan(&a, &b)
		if err == nil {
			return nil, fmt.Errorf("export partitions: "+c.problem, a, b)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("export partitions: %w", err)
		}
	}
	rows, err := conn.QueryContext(ctx, fmt.Sprintf(`SELECT p.partition, count(DISTINCT a.identity_id),
		count(DISTINCT a.entitlement_id), count(DISTINCT (a.identity_id, a.entitlement_id))
		FROM %s a JOIN __partitions p USING (entitlement_id) GROUP BY 1 ORDER BY 1`, from))
	if err != nil {
		return nil, fmt.Errorf("export partitions: %w", err)
	}
	defer rows.Close()
	var files []PartitionFile
	for rows.Next() {
		var f PartitionFile
		if err := rows.Scan(&f.ID, &f.Identities, &f.Entitlements, &f.Assignments); err != nil {
			return nil, err
		}
		f.Path = PartitionPath(f.ID)
		files = append(files, f)
	}
	return files, rows.Err()
}

// ReadPartitionManifest reads the manifest of the partition export in dir.
func ReadPartitionManifest(dir string) (PartitionManifest, error) {
	var m PartitionManifest
	name := filepath.Join(dir, PartitionManifestFile)
	data, err := os.ReadFile(name)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("%s: %w", name, err)
	}
	if m.Format != PartitionFormat {
		return m, fmt.Errorf("%s: format %q, want %q", name, m.Format, PartitionFormat)
	}
	return m, nil
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
