package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/array"

	"rolemine/datasets"
	"rolemine/eval/score"
	"rolemine/features"
	"rolemine/mining"
)

// requestsQuery selects the requests known at snapshot ? (the newest
// version of each request loaded up to it), with their entitlement's
// catalogue facts and the requester attributes given on the request.
const requestsQuery = `
WITH req AS (
	SELECT * FROM requests WHERE snapshot_id <= $1
	QUALIFY row_number() OVER (PARTITION BY request_id ORDER BY snapshot_id DESC) = 1),
attrs AS (
	SELECT subject_id AS request_id, string_agg(name || '=' || value, chr(31) ORDER BY name) AS attributes
	FROM attributes WHERE entity = 'request' AND snapshot_id <= $1 GROUP BY subject_id)
SELECT r.request_id, coalesce(r.identity_id, '') AS identity_id, r.entitlement_id,
	coalesce(e.application, '') AS application, coalesce(e.risk, $2) AS tier,
	coalesce(e.privileged, false) AS privileged, e.entitlement_id IS NOT NULL AS in_catalogue,
	r.decision, CAST(epoch(r.requested_at) AS BIGINT) AS requested_at, a.attributes
FROM req r LEFT JOIN current_entitlements e USING (entitlement_id) LEFT JOIN attrs a USING (request_id)
ORDER BY r.requested_at NULLS FIRST, r.request_id`

// loadRequests reads the requests known at snapshot (0: the newest).
func loadRequests(ctx context.Context, store *datasets.Store, snapshot int64, defaultTier string) ([]score.Request, error) {
	if snapshot == 0 {
		var err error
		if snapshot, err = store.LatestSnapshot(ctx); err != nil {
			return nil, err
		}
	}
	var reqs []score.Request
	err := store.Arrow(ctx, requestsQuery, func(r array.RecordReader) (err error) {
		reqs, err = score.ReadRequests(r)
		return err
	}, snapshot, defaultTier)
	if err != nil {
		return nil, fmt.Errorf("load requests: %w", err)
	}
	return reqs, nil
}

// scoringData is what scoring needs besides the requests: the matrix with
// grant times, the attributes and the signals; all nil when the data hold
// no assignments (requests described by attributes alone).
type scoringData struct {
	m       *features.Matrix
	attrs   *features.Attributes
	signals *features.Signals
}

// loadScoringData builds the signals of the current snapshot, using the
// roles of the newest mining run when there is one, and the matrix and
// attributes loaded, when not nil (the current snapshot's).
func loadScoringData(ctx context.Context, store *datasets.Store, loaded *snapshotMatrix) (*scoringData, error) {
	n, err := store.Count(ctx, "assignments")
	if err != nil || n == 0 {
		return &scoringData{}, err
	}
	if loaded == nil {
		if loaded, err = loadSnapshotMatrix(ctx, store, 0); err != nil {
			return nil, err
		}
	}
	m, attrs := loaded.m, loaded.attrs
	roles, names, err := loadRoles(ctx, store, m)
	if err != nil {
		return nil, err
	}
	opts := features.DefaultSignalOptions
	opts.RoleNames = names
	return &scoringData{m: m, attrs: attrs, signals: features.NewSignals(m, attrs, roles, opts)}, nil
}

// loadRoles returns the entitlement sets and names of the roles of the
// newest mining run, or nothing when there is none.
func loadRoles(ctx context.Context, store *datasets.Store, m *features.Matrix) ([][]int32, []string, error) {
	run, ok, err := store.LatestRun(ctx, "mine")
	if err != nil || !ok {
		return nil, nil, err
	}
	rows, err := store.DB().QueryContext(ctx, `SELECT r.role_id, r.name, re.entitlement_id FROM roles r
		JOIN role_entitlements re USING (run_id, role_id) WHERE r.run_id = ? AND r.kind <> ? ORDER BY r.role_id`, run, string(mining.KindPartial))
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var roles [][]int32
	var names []string
	last := ""
	for rows.Next() {
		var id, name, ent string
		if err := rows.Scan(&id, &name, &ent); err != nil {
			return nil, nil, err
		}
		if id != last {
			roles, names, last = append(roles, nil), append(names, name), id
		}
		if j, ok := m.ColIndex(ent); ok {
			roles[len(roles)-1] = append(roles[len(roles)-1], int32(j))
		}
	}
	for _, r := range roles {
		slices.Sort(r)
	}
	return roles, names, rows.Err()
}

// snapshotMatrix is the identity × entitlement matrix of one snapshot of a
// database, with the identities' attributes.
type snapshotMatrix struct {
	db       string // the store's path
	snapshot int64
	m        *features.Matrix
	attrs    *features.Attributes
}

// loadSnapshotMatrix loads the matrix and attributes of the current
// snapshot of store, which is snapshot (0 when the caller does not know).
func loadSnapshotMatrix(ctx context.Context, store *datasets.Store, snapshot int64) (*snapshotMatrix, error) {
	m, err := loadMatrix(ctx, store)
	if err != nil {
		return nil, err
	}
	attrs, err := loadAttributes(ctx, store, m)
	if err != nil {
		return nil, err
	}
	return &snapshotMatrix{db: store.Path(), snapshot: snapshot, m: m, attrs: attrs}, nil
}

// signalCache hands the scoring data one stage of a batch built to the
// next: evaluate and triage score the same snapshot with the roles of the
// same mining run, and building the signals is most of triage's time at a
// million identities. The data are kept only while the snapshot and the
// latest mine run are those they were built from. Mine hands it the
// matrix and attributes it loaded (keepMatrix), from which the signals of
// the same snapshot of the same database are then built without loading
// them again. A nil cache (commands run by hand) keeps nothing.
type signalCache struct {
	built  [2]int64 // snapshot and mine run of data
	data   *scoringData
	matrix *snapshotMatrix // what mine loaded
}

// keepMatrix keeps what mine loaded, for the signals built next.
func (c *signalCache) keepMatrix(loaded *snapshotMatrix) {
	if c != nil && loaded.snapshot > 0 {
		c.matrix = loaded
	}
}

// load returns the kept data when they were built from the store's
// latest snapshot and mine run, and reused reports it; otherwise it builds
// them (dropping the old first) and keeps them.
func (c *signalCache) load(ctx context.Context, store *datasets.Store) (data *scoringData, reused bool, err error) {
	if c == nil {
		data, err = loadScoringData(ctx, store, nil)
		return data, false, err
	}
	snapshot, err := store.LatestSnapshot(ctx)
	if err != nil {
		return nil, false, err
	}
	run, _, err := store.LatestRun(ctx, "mine")
	if err != nil {
		return nil, false, err
	}
	key := [2]int64{snapshot, run}
	if c.data != nil && c.built == key {
		return c.data, true, nil
	}
	c.data = nil
	var loaded *snapshotMatrix
	if c.matrix != nil && c.matrix.snapshot == snapshot && c.matrix.db == store.Path() {
		loaded = c.matrix
	}
	if data, err = loadScoringData(ctx, store, loaded); err != nil {
		return nil, false, err
	}
	c.built, c.data = key, data
	return data, false, nil
}

// drop lets the kept data and matrix go.
func (c *signalCache) drop() {
	if c != nil {
		c.data, c.matrix = nil, nil
	}
}
