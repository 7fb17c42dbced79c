package main

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"rolemine/datasets"
	"rolemine/features/hygiene"
)

// hygieneLoad says what loadHygieneData reads besides the canonical state.
type hygieneLoad struct {
	requests   bool     // current_requests (review evidence)
	roles      bool     // mined roles of the latest mine run
	attributes []string // identity attributes for peer groups
	asOf       string   // --as-of; "" for the newest timestamp in the data
}

// loadHygieneData streams the current snapshot out of the store into
// hygiene.Data and prepares it. Unknown ids and other data problems become
// warnings on the Data. Identities and entitlements are read first, while
// the large tables are reserved; the other tables, which refer to them,
// are then read on two connections at once.
func loadHygieneData(ctx context.Context, store *datasets.Store, l hygieneLoad) (*hygiene.Data, error) {
	var asOf int64
	if l.asOf != "" {
		var err error
		if asOf, err = parseAsOf(l.asOf); err != nil {
			return nil, err
		}
	}
	d := hygiene.NewData()
	read := func(query string, fn func(array.RecordReader) error, args ...any) error {
		if err := store.Arrow(ctx, query, fn, args...); err != nil {
			return fmt.Errorf("load: %w", err)
		}
		return nil
	}
	// The large tables are reserved while the identities and entitlements
	// are read: allocating gigabytes takes seconds at a million identities.
	reserved := make(chan error, 1)
	go func() { reserved <- reserveLarge(ctx, store, d) }()
	// Identities and entitlements that appear only in assignments are
	// added without attributes (and reported), so that a load without the
	// identities or entitlements file still has its access checked. The
	// column implicit marks them, so that one scan both adds and counts
	// them.
	var implicitIdentities, implicitEntitlements int
	err := read(`SELECT identity_id, display_name, email, kind, status, department, title, location, manager_id,
			owner_id, employment_type, hire_date, termination_date, false AS implicit FROM current_identities
			UNION ALL SELECT DISTINCT identity_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
				NULL::TIMESTAMP, NULL::TIMESTAMP, true FROM current_assignments ANTI JOIN current_identities USING (identity_id)
			ORDER BY identity_id`, countImplicit(d.ReadIdentities, &implicitIdentities))
	if err == nil {
		err = read(`SELECT entitlement_id, application, name, risk, privileged, owner_id, false AS implicit FROM current_entitlements
			UNION ALL SELECT DISTINCT entitlement_id, NULL, NULL, NULL, NULL::BOOLEAN, NULL, true FROM current_assignments
				ANTI JOIN current_entitlements USING (entitlement_id)
			ORDER BY entitlement_id`, countImplicit(d.ReadEntitlements, &implicitEntitlements))
	}
	if rerr := <-reserved; err == nil {
		err = rerr
	}
	if err != nil {
		return nil, err
	}
	// Two streams of independent reads (hygiene.Data allows it): the
	// assignments with the small tables that add warnings, in their
	// order, and the certifications, accounts and requests.
	var requestTime int64
	errs := make([]error, 2)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		errs[0] = func() error {
			if err := read(`SELECT identity_id, entitlement_id, granted_at, source, last_used_at FROM current_assignments`, d.ReadAssignments); err != nil {
				return err
			}
			if err := read(`SELECT rule_id, entitlement_a, entitlement_b, severity FROM current_sod_rules ORDER BY rule_id`, d.ReadSoDRules); err != nil {
				return err
			}
			if len(l.attributes) > 0 {
				q := "SELECT identity_id, name, value FROM current_identity_attributes WHERE name IN (" +
					strings.TrimSuffix(strings.Repeat("?,", len(l.attributes)), ",") + ")"
				args := make([]any, len(l.attributes))
				for k, a := range l.attributes {
					args[k] = a
				}
				if err := store.Arrow(ctx, q, func(r array.RecordReader) error { return d.ReadAttributes(r, l.attributes) }, args...); err != nil {
					return fmt.Errorf("load attributes: %w", err)
				}
			}
			if l.roles {
				return loadMinedRoles(ctx, store, d)
			}
			return nil
		}()
	}()
	go func() {
		defer wg.Done()
		errs[1] = func() (err error) {
			if err := read(`SELECT identity_id, entitlement_id, campaign, certified_at, decision, reviewer_id FROM current_certifications`,
				d.ReadCertifications); err != nil {
				return err
			}
			if err := read(`SELECT account_id, identity_id, application, username, created_at, last_login_at, credential_rotated_at
				FROM current_accounts ORDER BY account_id`, d.ReadAccounts); err != nil {
				return err
			}
			if l.requests {
				err = read(`SELECT request_id, identity_id, entitlement_id, requested_at, decided_at, decision, decided_by, revoked_at
					FROM current_requests`, d.ReadRequests)
			} else if l.asOf == "" {
				requestTime, err = newestRequest(ctx, store)
			}
			return err
		}()
	}()
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	d.Warnings = append(d.Warnings, implicitWarnings(implicitIdentities, implicitEntitlements)...)
	for _, a := range l.attributes {
		if _, ok := d.Attributes[a]; !ok {
			d.Warnings = append(d.Warnings, fmt.Sprintf("peer attribute %q: no identity has it", a))
		}
	}
	// The reference time: --as-of or, by default, the newest timestamp in
	// the data, so that results on a given snapshot never depend on the
	// wall clock.
	d.AsOf = max(d.Newest(), requestTime)
	if l.asOf != "" {
		d.AsOf = asOf
	}
	d.Prepare()
	return d, nil
}

// reserveLarge sizes the large tables of d from their row counts, so that
// each is allocated once. current_certifications is bounded by the rows of
// every load (counting the view would cost as much as reading it: it
// picks the latest row of each key); Prepare gives back what a bound left
// unused. The assignments are not read ORDER BY identity and entitlement,
// which would let Prepare sort them in place: DuckDB would hold the sorted
// result, twice what the copy Prepare makes takes, and keep it after the
// query.
func reserveLarge(ctx context.Context, store *datasets.Store, d *hygiene.Data) error {
	var n hygiene.Sizes
	err := store.DB().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM current_assignments), (SELECT count(*) FROM current_accounts),
			(SELECT count(*) FROM certifications)`).Scan(&n.Assignments, &n.Accounts, &n.Certifications)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	d.Reserve(n)
	return nil
}

// implicitWarnings reports the identities and entitlements known only from
// assignments.
func implicitWarnings(identities, entitlements int) []string {
	var warnings []string
	for _, c := range []struct {
		n     int
		table string
	}{{identities, "identities"}, {entitlements, "entitlements"}} {
		if c.n > 0 {
			warnings = append(warnings, fmt.Sprintf("%d %s appear only in assignments: checked without their attributes", c.n, c.table))
		}
	}
	return warnings
}

// countImplicit returns read, which it wraps to count into n the rows
// whose Boolean column implicit is true.
func countImplicit(read func(array.RecordReader) error, n *int) func(array.RecordReader) error {
	return func(r array.RecordReader) error { return read(&implicitCounter{RecordReader: r, n: n}) }
}

// implicitCounter passes the batches of a reader on, counting into n the
// rows whose column implicit is true.
type implicitCounter struct {
	array.RecordReader
	n *int
}

func (c *implicitCounter) Next() bool {
	if !c.RecordReader.Next() {
		return false
	}
	rec := c.RecordBatch()
	if idx := rec.Schema().FieldIndices("implicit"); len(idx) == 1 {
		if col, ok := rec.Column(idx[0]).(*array.Boolean); ok {
			for k := range col.Len() {
				if col.IsValid(k) && col.Value(k) {
					*c.n++
				}
			}
		}
	}
	return true
}

// newestRequest returns the newest time of the current requests, which
// count towards the default reference time when they are not loaded.
func newestRequest(ctx context.Context, store *datasets.Store) (int64, error) {
	var t sql.NullTime
	q := `SELECT greatest(max(requested_at), max(decided_at), max(revoked_at)) FROM current_requests`
	if err := store.DB().QueryRowContext(ctx, q).Scan(&t); err != nil {
		return 0, fmt.Errorf("reference time: %w", err)
	}
	if !t.Valid {
		return 0, nil
	}
	return t.Time.Unix(), nil
}

// loadMinedRoles reads the roles of the latest successful mine run, if any.
func loadMinedRoles(ctx context.Context, store *datasets.Store, d *hygiene.Data) error {
	run, ok, err := store.LatestRun(ctx, "mine")
	if err != nil || !ok {
		return err
	}
	q := `SELECT role_id, NULL::VARCHAR AS identity_id, entitlement_id FROM role_entitlements WHERE run_id = ?
		UNION ALL SELECT role_id, identity_id, NULL::VARCHAR FROM role_members WHERE run_id = ?`
	if err := store.Arrow(ctx, q, d.ReadRoleLinks, run, run); err != nil {
		return fmt.Errorf("load mined roles of run %d: %w", run, err)
	}
	return nil
}

// parseAsOf parses --as-of: "now", a date or an RFC 3339 time.
func parseAsOf(asOf string) (int64, error) {
	if asOf == "now" {
		return time.Now().Unix(), nil
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, asOf); err == nil {
			return t.Unix(), nil
		}
	}
	return 0, usagef(`--as-of %q: want "now", a date (2006-01-02) or an RFC 3339 time`, asOf)
}

// openHygieneData opens the database, checks that it holds data and loads
// what load asks for, with a spinner. The caller closes the store.
func openHygieneData(ctx context.Context, e *env, cmd, db string, load hygieneLoad) (*datasets.Store, int64, *hygiene.Data, error) {
	store, snapshot, err := openData(ctx, cmd, db)
	if err != nil {
		return nil, 0, nil, err
	}
	var d *hygiene.Data
	var reused bool
	err = e.run("loading", func() (err error) { d, reused, err = e.batch.Snapshot.load(ctx, store, snapshot, load); return err })
	if err != nil {
		store.Close()
		return nil, 0, nil, err
	}
	if reused {
		e.logf("snapshot: the one loaded earlier in this batch")
	}
	return store, snapshot, d, nil
}

// hygieneCache hands the snapshot the hygiene stage of a batch loaded to
// the review stage: loading is about a third of each at a million
// identities. The data are kept only while the snapshot, the latest mine
// run (whose roles they hold) and the load's attributes and reference
// time are those they were loaded with; a cache loads the requests too,
// which review needs and hygiene ignores. A reference time of "now" is
// never reused. The peer groups hygiene computed on the data are kept
// with them, for review to use when it asks for the same outlier options,
// and so are the findings review gives as evidence, with the hygiene run
// that stored them (review would read them back otherwise). A nil cache
// (commands run by hand) keeps nothing.
type hygieneCache struct {
	snapshot, mine int64
	loaded         hygieneLoad
	data           *hygiene.Data
	peers          *hygiene.Peers // of data, with peerOptions
	peerOptions    hygiene.OutlierOptions
	evidence       *hygiene.Report // of data: see evidenceFindings
	evidenceRun    int64           // the hygiene run that stored them
}

// load returns the kept data when they serve l on the store's snapshot
// and latest mine run, and reused reports it; otherwise it loads them
// (dropping the old first) and keeps them.
func (c *hygieneCache) load(ctx context.Context, store *datasets.Store, snapshot int64, l hygieneLoad) (d *hygiene.Data, reused bool, err error) {
	if c == nil {
		d, err = loadHygieneData(ctx, store, l)
		return d, false, err
	}
	mine, _, err := store.LatestRun(ctx, "mine")
	if err != nil {
		return nil, false, err
	}
	if c.data != nil && c.serves(snapshot, mine, l) {
		return c.data, true, nil
	}
	c.data, c.peers, c.evidence = nil, nil, nil
	l.requests = true
	if d, err = loadHygieneData(ctx, store, l); err != nil {
		return nil, false, err
	}
	c.snapshot, c.mine, c.loaded, c.data = snapshot, mine, l, d
	return d, false, nil
}

// serves says whether the kept data are what l asks for on snapshot with
// the roles of mine run.
func (c *hygieneCache) serves(snapshot, mine int64, l hygieneLoad) bool {
	return c.snapshot == snapshot && c.mine == mine && l.asOf != "now" && c.loaded.asOf == l.asOf &&
		c.loaded.roles == l.roles && slices.Equal(c.loaded.attributes, l.attributes)
}

// keepPeers keeps the peer groups computed on d with opts, when d are the
// kept data.
func (c *hygieneCache) keepPeers(d *hygiene.Data, opts hygiene.OutlierOptions, peers *hygiene.Peers) {
	if c != nil && c.data == d && peers != nil {
		c.peers, c.peerOptions = peers, opts
	}
}

// peersFor returns the kept peer groups when they were computed on d with
// opts, or nil.
func (c *hygieneCache) peersFor(d *hygiene.Data, opts hygiene.OutlierOptions) *hygiene.Peers {
	if c == nil || c.peers == nil || c.data != d || c.peerOptions.MaxCoverage != opts.MaxCoverage ||
		c.peerOptions.MinPeers != opts.MinPeers || !slices.Equal(c.peerOptions.Attributes, opts.Attributes) {
		return nil
	}
	return c.peers
}

// keepEvidence keeps the review evidence of report rep, which hygiene run
// stored, when it was made on the kept data d by a run of checks ran that
// includes the reviewChecks (see ranReviewChecks).
func (c *hygieneCache) keepEvidence(d *hygiene.Data, run int64, rep *hygiene.Report, ran []string) {
	if c != nil && c.data == d && ranReviewChecks(ran) {
		c.evidence, c.evidenceRun = evidenceFindings(d, rep), run
	}
}

// evidenceFor returns the kept review evidence when it was made on d, and
// the hygiene run that stored it; a nil report otherwise.
func (c *hygieneCache) evidenceFor(d *hygiene.Data) (*hygiene.Report, int64) {
	if c == nil || c.evidence == nil || c.data != d {
		return nil, 0
	}
	return c.evidence, c.evidenceRun
}

// drop lets the kept data, peer groups and evidence go.
func (c *hygieneCache) drop() {
	if c != nil {
		c.data, c.peers, c.evidence = nil, nil, nil
	}
}

// openSnapshot is openData for mine.
func openSnapshot(ctx context.Context, db string) (*datasets.Store, int64, error) {
	return openData(ctx, "mine", db)
}

// openData opens the existing database of command cmd and checks that it
// holds data.
func openData(ctx context.Context, cmd, db string) (*datasets.Store, int64, error) {
	store, err := openExisting(ctx, cmd, db)
	if err != nil {
		return nil, 0, err
	}
	snap, err := store.LatestSnapshot(ctx)
	if err == nil && snap == 0 {
		err = fmt.Errorf("%s holds no data: run rolemine ingest first", db)
	}
	if err != nil {
		store.Close()
		return nil, 0, err
	}
	return store, snap, nil
}

// reviewChecks are the hygiene checks whose findings review gives as
// evidence.
var reviewChecks = []string{hygiene.CheckDuplicateIdentity, hygiene.CheckDormantAccount, hygiene.CheckNonHumanOwner}

// ranReviewChecks says whether a hygiene run of checks (none for all) ran
// every one of the reviewChecks.
func ranReviewChecks(checks []string) bool {
	return len(checks) == 0 || !slices.ContainsFunc(reviewChecks, func(c string) bool { return !slices.Contains(checks, c) })
}

// storedFindings returns the findings of the reviewChecks stored by the
// latest hygiene run on snapshot at d's reference time that ran them all,
// as an evidenceReport, and the run's id; a nil report when there is no
// such run. The findings are then those of the hygiene report, with the
// options it ran with.
func storedFindings(ctx context.Context, store *datasets.Store, snapshot int64, d *hygiene.Data) (*hygiene.Report, int64, error) {
	run, ok, err := hygieneRunFor(ctx, store, snapshot, formatAsOf(d.AsOf))
	if err != nil || !ok {
		return nil, 0, err
	}
	rows, err := store.DB().QueryContext(ctx, `SELECT "check", subject_id, coalesce(related_id, ''), coalesce(confidence, 0), severity
		FROM hygiene_findings WHERE run_id = ? AND "check" IN (?, ?, ?) AND severity <> ?`,
		run, reviewChecks[0], reviewChecks[1], reviewChecks[2], string(hygiene.SeverityNotice))
	if err != nil {
		return nil, 0, fmt.Errorf("findings of hygiene run %d: %w", run, err)
	}
	defer rows.Close()
	ev := newEvidenceReport(d)
	for rows.Next() {
		var f hygiene.Finding
		if err := rows.Scan(&f.Check, &f.SubjectID, &f.RelatedID, &f.Confidence, &f.Severity); err != nil {
			return nil, 0, fmt.Errorf("findings of hygiene run %d: %w", run, err)
		}
		ev.add(f)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("findings of hygiene run %d: %w", run, err)
	}
	return ev.report(), run, nil
}

// evidenceFindings returns the findings of rep, a hygiene report on d that
// ran all the reviewChecks, as storedFindings reads them once stored.
func evidenceFindings(d *hygiene.Data, rep *hygiene.Report) *hygiene.Report {
	ev := newEvidenceReport(d)
	for k := range rep.Findings {
		if f := &rep.Findings[k]; f.Severity != hygiene.SeverityNotice && slices.Contains(reviewChecks, f.Check) {
			ev.add(*f)
		}
	}
	return ev.report()
}

// evidenceReport builds, from the findings of the reviewChecks that are
// not notices, the report review takes its evidence from: the report
// hygiene.Run would give with only the stored fields of each finding
// (check, severity, subject, related and confidence, with its identity
// index) and the duplicate pairs in its order, without their reasons,
// which review does not use.
type evidenceReport struct {
	d   *hygiene.Data
	rep *hygiene.Report
}

func newEvidenceReport(d *hygiene.Data) *evidenceReport {
	return &evidenceReport{d: d, rep: &hygiene.Report{AsOf: d.AsOf, Warnings: slices.Clone(d.Warnings)}}
}

// add adds a finding of one of the reviewChecks, of which only the stored
// fields are kept.
func (ev *evidenceReport) add(stored hygiene.Finding) {
	d := ev.d
	f := hygiene.Finding{Check: stored.Check, Severity: stored.Severity, SubjectID: stored.SubjectID, RelatedID: stored.RelatedID,
		Confidence: stored.Confidence, Identity: -1, Entitlement: -1}
	switch f.Check {
	case hygiene.CheckDuplicateIdentity:
		a, okA := d.IdentityIndex(f.SubjectID)
		b, okB := d.IdentityIndex(f.RelatedID)
		if okA && okB {
			ev.rep.Duplicates = append(ev.rep.Duplicates, hygiene.Pair{A: a, B: b, Confidence: f.Confidence})
		}
	case hygiene.CheckDormantAccount:
		f.Identity = identityOrNone(d, f.RelatedID)
	case hygiene.CheckNonHumanOwner:
		f.Identity = identityOrNone(d, f.SubjectID)
	}
	ev.rep.Findings = append(ev.rep.Findings, f)
}

// report returns the report, its duplicate pairs in hygiene.Run's order.
func (ev *evidenceReport) report() *hygiene.Report {
	slices.SortFunc(ev.rep.Duplicates, func(p, q hygiene.Pair) int {
		return cmp.Or(cmp.Compare(q.Confidence, p.Confidence), cmp.Compare(p.A, q.A), cmp.Compare(p.B, q.B))
	})
	return ev.rep
}

// hygieneRunFor returns the latest successful hygiene run on snapshot at
// reference time asOf that ran every one of the reviewChecks.
func hygieneRunFor(ctx context.Context, store *datasets.Store, snapshot int64, asOf string) (int64, bool, error) {
	rows, err := store.DB().QueryContext(ctx, `SELECT run_id, parameters FROM runs
		WHERE command = 'hygiene' AND status = 'ok' AND snapshot_id = ? ORDER BY run_id DESC`, snapshot)
	if err != nil {
		return 0, false, fmt.Errorf("hygiene runs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var run int64
		var params sql.NullString
		if err := rows.Scan(&run, &params); err != nil {
			return 0, false, fmt.Errorf("hygiene runs: %w", err)
		}
		var p struct {
			AsOf   string   `json:"as_of"`
			Checks []string `json:"check"` // none for all
		}
		if json.Unmarshal([]byte(params.String), &p) != nil || p.AsOf != asOf {
			continue
		}
		if ranReviewChecks(p.Checks) {
			return run, true, nil
		}
	}
	return 0, false, rows.Err()
}

// identityOrNone returns the index of identity id in d, or -1.
func identityOrNone(d *hygiene.Data, id string) int32 {
	if i, ok := d.IdentityIndex(id); ok {
		return i
	}
	return -1
}
