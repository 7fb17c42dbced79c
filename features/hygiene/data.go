package hygiene

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Source says why an identity holds an entitlement (assignments.source).
type Source uint8

// Assignment sources. SourceUnknown is a missing or unrecognised value.
const (
	SourceUnknown Source = iota
	SourceRequest
	SourceRole
	SourceBirthright
	SourceDirect
)

var sourceNames = [...]string{"", "request", "role", "birthright", "direct"}

// ParseSource returns the source called s (case-insensitive, surrounding
// space ignored), or SourceUnknown. It does not allocate.
func ParseSource(s string) Source {
	s = strings.TrimSpace(s)
	for k, n := range sourceNames {
		if k > 0 && strings.EqualFold(n, s) {
			return Source(k)
		}
	}
	return SourceUnknown
}

// String returns the canonical name of s ("" for SourceUnknown).
func (s Source) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return ""
}

// Times are Unix seconds; zero means missing.

// Identity is one row of current_identities. Kind and Status are lower
// case; Manager and Owner are identity ids ("" when absent).
type Identity struct {
	ID, Name, Email   string
	Kind, Status      string
	Department, Title string
	Location          string
	Manager, Owner    string
	Employment        string
	Hired, Terminated int64
}

// Human reports whether the identity is a person: kind "human" or no kind.
func (id *Identity) Human() bool { return id.Kind == "" || id.Kind == "human" }

// Account is one row of current_accounts. Identity is the index of its
// identity in Data.Identities, or -1 when the account names none or an
// unknown one (IdentityID keeps the raw value).
type Account struct {
	ID, IdentityID, Application, Username string
	Identity                              int32
	Created, LastLogin, Rotated           int64
}

// Entitlement is one row of current_entitlements. Risk is a lower-case
// tier of schema.RiskTiers or "".
type Entitlement struct {
	ID, Application, Name, Risk string
	Privileged                  bool
	Owner                       string
}

// Label returns "application:name", or the id when both are empty.
func (e *Entitlement) Label() string {
	switch {
	case e.Application == "" && e.Name == "":
		return e.ID
	case e.Application == "":
		return e.Name
	}
	return e.Application + ":" + e.Name
}

// Assignment is one row of current_assignments, by dense indices.
type Assignment struct {
	Identity, Entitlement int32
	Granted, LastUsed     int64
	Source                Source
}

// Certification is one past review decision (current_certifications).
// Campaign, Decision and Reviewer are words of the Data (Data.Word): the
// decision lower-cased ("keep", "revoke" or what the data say), "" when
// missing. Millions of rows repeat a few thousand values, and the words
// keep a row at 32 bytes without pointers.
type Certification struct {
	Identity, Entitlement        int32
	At                           int64
	Campaign, Decision, Reviewer Word
}

// Word is a string interned by a Data; Data.Word returns its text. The
// zero Word is "".
type Word int32

// Request is one access request (current_requests) whose identity and
// entitlement are known.
type Request struct {
	ID                          string
	Identity, Entitlement       int32
	Requested, Decided, Revoked int64
	Decision, DecidedBy         string
}

// SoDRule is a separation-of-duties rule: nobody should hold both A and B.
type SoDRule struct {
	ID       string
	A, B     int32
	Severity string
}

// Role is a mined role of the latest mine run: its entitlements and
// members, sorted ascending.
type Role struct {
	ID           string
	Entitlements []int32
	Members      []int32
}

// Data is everything the checks read, with ids resolved to dense indices
// into Identities and Entitlements. Build it with NewData, the Add methods
// (or the Arrow readers) and then call Prepare once; the checks never
// modify it afterwards.
type Data struct {
	// AsOf is "now" for every age, in Unix seconds; zero disables the
	// checks that need it (they say so in a notice).
	AsOf int64

	Identities     []Identity
	Accounts       []Account
	Entitlements   []Entitlement
	Assignments    []Assignment // sorted by identity, entitlement after Prepare
	Certifications []Certification
	Requests       []Request
	SoDRules       []SoDRule
	Roles          []Role
	// Attributes holds extra identity attributes for peer groups: name →
	// one value per identity ("" when missing).
	Attributes map[string][]string

	// Warnings collects data problems met while loading (unknown ids,
	// duplicate rows); they travel to the report.
	Warnings []string

	identityIndex    map[string]int32
	entitlementIndex map[string]int32
	roleIndex        map[string]int
	wordMu           sync.Mutex // guards words and wordIndex
	words            []string
	wordIndex        map[string]Word
	unknownMu        sync.Mutex // guards unknown: tables may be read concurrently
	unknown          map[string]*unknownRefs
	newest           atomic.Int64 // see Newest

	prepared bool
	rowPtr   []int32 // assignments of identity i: Assignments[rowPtr[i]:rowPtr[i+1]]
	colPtr   []int32 // assignment indices of entitlement j: colAsg[colPtr[j]:colPtr[j+1]]
	colAsg   []int32
	acctOnce sync.Once // builds acctPtr and acctIdx on first use
	acctPtr  []int32   // accounts of identity i: acctIdx[acctPtr[i]:acctPtr[i+1]]
	acctIdx  []int32
}

type unknownRefs struct {
	n        int
	examples []string
}

// NewData returns empty data.
func NewData() *Data {
	return &Data{identityIndex: map[string]int32{}, entitlementIndex: map[string]int32{},
		unknown: map[string]*unknownRefs{}, Attributes: map[string][]string{}, words: []string{""}, wordIndex: map[string]Word{"": 0}}
}

// AddIdentity appends an identity and returns its index. A second identity
// with the same id replaces the first and is reported as a warning.
func (d *Data) AddIdentity(id Identity) int32 {
	d.checkOpen()
	d.noteTime(id.Hired)
	if k, ok := d.identityIndex[id.ID]; ok {
		d.Warnings = append(d.Warnings, fmt.Sprintf("identity %s listed twice: the last row wins", id.ID))
		d.Identities[k] = id
		return k
	}
	k := int32(len(d.Identities))
	d.identityIndex[id.ID] = k
	d.Identities = append(d.Identities, id)
	return k
}

// AddEntitlement appends an entitlement and returns its index; a repeated
// id replaces the first with a warning.
func (d *Data) AddEntitlement(e Entitlement) int32 {
	d.checkOpen()
	if k, ok := d.entitlementIndex[e.ID]; ok {
		d.Warnings = append(d.Warnings, fmt.Sprintf("entitlement %s listed twice: the last row wins", e.ID))
		d.Entitlements[k] = e
		return k
	}
	k := int32(len(d.Entitlements))
	d.entitlementIndex[e.ID] = k
	d.Entitlements = append(d.Entitlements, e)
	return k
}

// IdentityIndex returns the index of identity id.
func (d *Data) IdentityIndex(id string) (int32, bool) { k, ok := d.identityIndex[id]; return k, ok }

// EntitlementIndex returns the index of entitlement id.
func (d *Data) EntitlementIndex(id string) (int32, bool) {
	k, ok := d.entitlementIndex[id]
	return k, ok
}

// resolve returns the indices of an (identity, entitlement) reference, or
// ok false after counting the unknown id under table.
func (d *Data) resolve(table, identity, entitlement string) (i, e int32, ok bool) {
	i, ok1 := d.identityIndex[identity]
	e, ok2 := d.entitlementIndex[entitlement]
	switch {
	case !ok1:
		d.noteUnknown(table, "identity", identity)
	case !ok2:
		d.noteUnknown(table, "entitlement", entitlement)
	}
	return i, e, ok1 && ok2
}

func (d *Data) noteUnknown(table, kind, id string) {
	d.unknownMu.Lock()
	defer d.unknownMu.Unlock()
	key := table + " " + kind
	u := d.unknown[key]
	if u == nil {
		u = &unknownRefs{}
		d.unknown[key] = u
	}
	u.n++
	if len(u.examples) < 3 {
		u.examples = append(u.examples, strings.Clone(id)) // id may alias an Arrow buffer
	}
}

// noteTime records t for Newest.
func (d *Data) noteTime(t int64) {
	for {
		old := d.newest.Load()
		if t <= old || d.newest.CompareAndSwap(old, t) {
			return
		}
	}
}

// Newest returns the newest time among the rows given to the Add and Read
// methods so far, skipped rows included: hire dates, account creation,
// login and rotation times, grant and last-use times, request and
// certification times. Termination dates are left out (scheduled leavers
// lie in the future). Zero means none. Loaders use it as the default
// AsOf, so that results on given data never depend on the wall clock.
func (d *Data) Newest() int64 { return d.newest.Load() }

// Sizes are row counts of the large tables, for Reserve. Certifications
// may be an upper bound (the rows of every load, of which the current
// ones are a part): Prepare gives back the room a bound left unused.
type Sizes struct{ Assignments, Accounts, Certifications int }

// Reserve makes room for n more rows of each large table, so that a loader
// that knows the row counts allocates each table once: growing a table of
// millions of rows by appending holds it up to twice over while it is
// copied, and leaves up to a quarter of it unused.
func (d *Data) Reserve(n Sizes) {
	d.checkOpen()
	d.Assignments = slices.Grow(d.Assignments, n.Assignments)
	d.Accounts = slices.Grow(d.Accounts, n.Accounts)
	d.Certifications = slices.Grow(d.Certifications, n.Certifications)
}

// fitCertifications copies the certifications into a table of their size
// when more than a quarter of the room reserved for them is unused.
func (d *Data) fitCertifications() {
	if n := len(d.Certifications); cap(d.Certifications)-n > cap(d.Certifications)/4 {
		d.Certifications = slices.Clone(d.Certifications)
	}
}

// AddAssignment appends an assignment given by ids; an unknown id skips the
// row and is counted in a warning.
func (d *Data) AddAssignment(identity, entitlement string, granted, lastUsed int64, src Source) {
	d.addAssignment(&resolver{d: d, table: "assignments"}, identity, entitlement, granted, lastUsed, src)
}

func (d *Data) addAssignment(r *resolver, identity, entitlement string, granted, lastUsed int64, src Source) {
	d.checkOpen()
	d.noteTime(max(granted, lastUsed))
	if i, e, ok := r.resolve(identity, entitlement); ok {
		d.Assignments = append(d.Assignments, Assignment{i, e, granted, lastUsed, src})
	}
}

// resolver resolves the (identity, entitlement) references of one table
// as resolve does, remembering the last identity: rows usually come
// grouped by identity.
type resolver struct {
	d     *Data
	table string
	known bool   // id and i hold the last identity resolved
	id    string // Data's own copy of it
	i     int32
}

func (r *resolver) resolve(identity, entitlement string) (i, e int32, ok bool) {
	if !r.known || identity != r.id {
		k, ok := r.d.identityIndex[identity]
		if !ok {
			r.d.noteUnknown(r.table, "identity", identity)
			return 0, 0, false
		}
		r.known, r.id, r.i = true, r.d.Identities[k].ID, k
	}
	e, ok = r.d.entitlementIndex[entitlement]
	if !ok {
		r.d.noteUnknown(r.table, "entitlement", entitlement)
		return 0, 0, false
	}
	return r.i, e, true
}

// AddAccount appends an account. An identity id that is not among the
// identities leaves Identity -1 (the account is orphaned).
func (d *Data) AddAccount(a Account) {
	d.checkOpen()
	d.noteTime(max(a.Created, a.LastLogin, a.Rotated))
	a.Identity = -1
	if k, ok := d.identityIndex[a.IdentityID]; ok {
		a.Identity = k
	}
	d.Accounts = append(d.Accounts, a)
}

// AddCertification appends a certification given by ids; unknown ids skip
// the row with a warning.
func (d *Data) AddCertification(identity, entitlement, campaign string, at int64, decision, reviewer string) {
	d.addCertification(&resolver{d: d, table: "certifications"}, identity, entitlement, campaign, at, decision, reviewer)
}

func (d *Data) addCertification(r *resolver, identity, entitlement, campaign string, at int64, decision, reviewer string) {
	d.addCertificationWords(r, identity, entitlement, d.word(campaign), at, d.word(strings.ToLower(decision)), d.word(reviewer))
}

func (d *Data) addCertificationWords(r *resolver, identity, entitlement string, campaign Word, at int64, decision, reviewer Word) {
	d.checkOpen()
	d.noteTime(at)
	if i, e, ok := r.resolve(identity, entitlement); ok {
		d.Certifications = append(d.Certifications, Certification{i, e, at, campaign, decision, reviewer})
	}
}

// Word returns the text of w, a word of d.
func (d *Data) Word(w Word) string { return d.words[w] }

// word returns the Word of s, adding a copy of s when it is new. It may be
// called concurrently.
func (d *Data) word(s string) Word {
	d.wordMu.Lock()
	defer d.wordMu.Unlock()
	if w, ok := d.wordIndex[s]; ok { // s may alias an Arrow buffer: the lookup does not keep it
		return w
	}
	w := Word(len(d.words))
	s = strings.Clone(s)
	d.words = append(d.words, s)
	d.wordIndex[s] = w
	return w
}

// AddRequest appends a request whose identity and entitlement are known;
// others are skipped with a warning.
func (d *Data) AddRequest(r Request, identity, entitlement string) {
	d.checkOpen()
	d.noteTime(max(r.Requested, r.Decided, r.Revoked))
	if i, e, ok := d.resolve("requests", identity, entitlement); ok {
		r.Identity, r.Entitlement = i, e
		r.Decision = strings.ToLower(r.Decision)
		d.Requests = append(d.Requests, r)
	}
}

// AddSoDRule appends a rule; a rule naming an unknown entitlement is
// skipped with a warning.
func (d *Data) AddSoDRule(id, a, b, severity string) {
	d.checkOpen()
	ka, ok1 := d.entitlementIndex[a]
	kb, ok2 := d.entitlementIndex[b]
	if !ok1 || !ok2 {
		d.Warnings = append(d.Warnings, fmt.Sprintf("sod rule %s names an unknown entitlement (%s, %s): skipped", id, a, b))
		return
	}
	d.SoDRules = append(d.SoDRules, SoDRule{id, ka, kb, strings.ToLower(severity)})
}

// AddRoleLink adds entitlement or member ids to the mined role called id,
// creating it; unknown ids are counted in a warning.
func (d *Data) AddRoleLink(id, identity, entitlement string) {
	d.checkOpen()
	if d.roleIndex == nil {
		d.roleIndex = map[string]int{}
	}
	k, ok := d.roleIndex[id]
	if !ok {
		k = len(d.Roles)
		d.roleIndex[id] = k
		d.Roles = append(d.Roles, Role{ID: id})
	}
	r := &d.Roles[k]
	if identity != "" {
		if i, ok := d.identityIndex[identity]; ok {
			r.Members = append(r.Members, i)
		} else {
			d.noteUnknown("role_members", "identity", identity)
		}
	}
	if entitlement != "" {
		if e, ok := d.entitlementIndex[entitlement]; ok {
			r.Entitlements = append(r.Entitlements, e)
		} else {
			d.noteUnknown("role_entitlements", "entitlement", entitlement)
		}
	}
}

// SetAttribute sets an extra attribute of identity index i.
func (d *Data) SetAttribute(name string, i int32, value string) {
	col := d.Attributes[name]
	if col == nil {
		col = make([]string, len(d.Identities))
		d.Attributes[name] = col
	}
	if int(i) >= len(col) {
		panic(fmt.Sprintf("hygiene: attribute %s set for identity %d before it was added", name, i))
	}
	col[i] = value
}

func (d *Data) checkOpen() {
	if d.prepared {
		panic("hygiene: Data modified after Prepare")
	}
	if d.identityIndex == nil {
		panic("hygiene: Data not made by NewData")
	}
}

// Prepare sorts the assignments by identity and entitlement, collapses
// duplicate assignments, sorts role lists and builds the indices the checks
// use; it gives back the room Reserve left unused by more than a quarter
// of a table. It must be called once, after the last Add.
func (d *Data) Prepare() {
	d.checkOpen()
	d.prepared = true
	d.fitCertifications()
	keys := make([]string, 0, len(d.unknown))
	for k := range d.unknown {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		u := d.unknown[k]
		d.Warnings = append(d.Warnings, fmt.Sprintf("%s: %d rows name an unknown id (e.g. %s): skipped",
			k, u.n, strings.Join(u.examples, ", ")))
	}
	for a, col := range d.Attributes {
		if len(col) < len(d.Identities) {
			d.Attributes[a] = append(col, make([]string, len(d.Identities)-len(col))...)
		}
	}
	d.sortAssignments()
	for k := range d.Roles {
		r := &d.Roles[k]
		slices.Sort(r.Entitlements)
		r.Entitlements = slices.Compact(r.Entitlements)
		slices.Sort(r.Members)
		r.Members = slices.Compact(r.Members)
	}
	d.buildColumns()
}

// sortAssignments sorts the assignments by identity, then entitlement, in
// place and drops repeated cells. Of repeated cells, the first row is kept
// when the assignments came sorted (WithAssignments, or a loader that
// reads them in that order); otherwise the one granted first.
func (d *Data) sortAssignments() {
	asg := d.Assignments
	if !slices.IsSortedFunc(asg, compareCells) {
		sortByCell(asg, len(d.Identities))
	}
	ptr := make([]int32, len(d.Identities)+1)
	w, dups := 0, 0
	for k := range asg {
		if k > 0 && compareCells(asg[k], asg[k-1]) == 0 {
			dups++
			continue
		}
		asg[w] = asg[k]
		ptr[asg[w].Identity+1]++
		w++
	}
	for i := range d.Identities {
		ptr[i+1] += ptr[i]
	}
	if dups > 0 {
		d.Warnings = append(d.Warnings, fmt.Sprintf("assignments: %d repeated (identity, entitlement) rows collapsed", dups))
	}
	d.Assignments, d.rowPtr = asg[:w:w], ptr
}

// compareCells orders assignments by identity, then entitlement.
func compareCells(a, b Assignment) int {
	return cmp.Or(cmp.Compare(a.Identity, b.Identity), cmp.Compare(a.Entitlement, b.Entitlement))
}

// sortByCell sorts asg, whose identities are in [0, n), by compareCells
// in place, on GOMAXPROCS goroutines (see sortCellRange). Repeated cells
// end up next to each other, the one granted first first.
func sortByCell(asg []Assignment, n int) {
	sortCellRange(asg, 0, int32(n), runtime.GOMAXPROCS(0))
}

// minSplitSort is the least number of assignments sortCellRange splits
// between goroutines.
var minSplitSort = 1 << 16

// sortCellRange sorts asg, whose identities are in [lo, hi), as sortByCell
// does with parts goroutines: while there are two or more and enough
// assignments, it moves those of the lower half of the identities before
// the others (one pass from both ends) and sorts each side on its own
// goroutine; each part is then sorted by sortCells. It needs no second
// copy of the assignments (at a million identities, gigabytes).
func sortCellRange(asg []Assignment, lo, hi int32, parts int) {
	if parts < 2 || hi-lo < 2 || len(asg) < minSplitSort {
		sortCells(asg, lo, hi)
		return
	}
	mid := lo + (hi-lo)/2
	k := partitionBelow(asg, mid)
	var wg sync.WaitGroup
	wg.Go(func() { sortCellRange(asg[:k], lo, mid, parts/2) })
	sortCellRange(asg[k:], mid, hi, parts-parts/2)
	wg.Wait()
}

// partitionBelow moves the assignments of identities below mid before the
// others and returns how many there are.
func partitionBelow(asg []Assignment, mid int32) int {
	x, y := 0, len(asg)-1
	for {
		for x <= y && asg[x].Identity < mid {
			x++
		}
		for x <= y && asg[y].Identity >= mid {
			y--
		}
		if x >= y {
			return x
		}
		asg[x], asg[y] = asg[y], asg[x]
	}
}

// sortCells sorts asg, whose identities are in [lo, hi), by compareCells
// in place: an American flag sort by identity, which moves each
// assignment at most once, then each identity's assignments by
// entitlement.
func sortCells(asg []Assignment, lo, hi int32) {
	n := int(hi - lo)
	end := make([]int32, n) // end of each identity's range
	for _, a := range asg {
		end[a.Identity-lo]++
	}
	next := make([]int32, n) // next unsettled slot of each identity's range
	for i, sum := 0, int32(0); i < n; i++ {
		next[i] = sum
		sum += end[i]
		end[i] = sum
	}
	start := slices.Clone(next)
	for i := range int32(n) {
		for k := next[i]; k < end[i]; k = next[i] {
			a := asg[k]
			if a.Identity-lo == i {
				next[i]++
				continue
			}
			j := next[a.Identity-lo] // a's place; what is there is looked at next
			next[a.Identity-lo]++
			asg[k], asg[j] = asg[j], a
		}
	}
	byCell := func(a, b Assignment) int {
		return cmp.Or(cmp.Compare(a.Entitlement, b.Entitlement), cmp.Compare(a.Granted, b.Granted),
			cmp.Compare(a.LastUsed, b.LastUsed), cmp.Compare(a.Source, b.Source))
	}
	for i := range n {
		if seg := asg[start[i]:end[i]]; !slices.IsSortedFunc(seg, byCell) {
			slices.SortFunc(seg, byCell)
		}
	}
}

func (d *Data) buildColumns() {
	m := len(d.Entitlements)
	d.colPtr = make([]int32, m+1)
	for _, a := range d.Assignments {
		d.colPtr[a.Entitlement+1]++
	}
	for j := 0; j < m; j++ {
		d.colPtr[j+1] += d.colPtr[j]
	}
	d.colAsg = make([]int32, len(d.Assignments))
	next := slices.Clone(d.colPtr[:m])
	for k, a := range d.Assignments {
		d.colAsg[next[a.Entitlement]] = int32(k)
		next[a.Entitlement]++
	}
}

func (d *Data) checkPrepared() {
	if !d.prepared {
		panic("hygiene: Data used before Prepare")
	}
}

// Held returns the range [lo, hi) of Assignments that identity i holds,
// sorted by entitlement.
func (d *Data) Held(i int32) (lo, hi int32) {
	d.checkPrepared()
	return d.rowPtr[i], d.rowPtr[i+1]
}

// AccountsOf returns the indices into Accounts of identity i's accounts,
// ascending. The slice must not be modified. The index is built on first
// use; AccountsOf is safe for concurrent use.
func (d *Data) AccountsOf(i int32) []int32 {
	d.checkPrepared()
	d.acctOnce.Do(d.indexAccounts)
	return d.acctIdx[d.acctPtr[i]:d.acctPtr[i+1]:d.acctPtr[i+1]]
}

// indexAccounts indexes the accounts by identity, for AccountsOf.
func (d *Data) indexAccounts() {
	n := len(d.Identities)
	d.acctPtr = make([]int32, n+1)
	for k := range d.Accounts {
		if a := d.Accounts[k].Identity; a >= 0 {
			d.acctPtr[a+1]++
		}
	}
	for k := range n {
		d.acctPtr[k+1] += d.acctPtr[k]
	}
	d.acctIdx = make([]int32, d.acctPtr[n])
	next := slices.Clone(d.acctPtr[:n])
	for k := range d.Accounts {
		if a := d.Accounts[k].Identity; a >= 0 {
			d.acctIdx[next[a]] = int32(k)
			next[a]++
		}
	}
}

// Holders returns the indices into Assignments of the holders of
// entitlement e, in identity order. The slice must not be modified.
func (d *Data) Holders(e int32) []int32 {
	d.checkPrepared()
	return d.colAsg[d.colPtr[e]:d.colPtr[e+1]:d.colPtr[e+1]]
}

// Find returns the index into Assignments of (i, e), or -1.
func (d *Data) Find(i, e int32) int32 {
	lo, hi := d.Held(i)
	k, ok := slices.BinarySearchFunc(d.Assignments[lo:hi], e, func(a Assignment, e int32) int { return cmp.Compare(a.Entitlement, e) })
	if !ok {
		return -1
	}
	return lo + int32(k)
}

// LeftBy reports whether identity i had left at time t: its termination
// date is at or before t or, without a date, its status is terminated and
// t is not before AsOf (a status says nothing about the past).
func (d *Data) LeftBy(i int32, t int64) bool {
	id := &d.Identities[i]
	if id.Terminated != 0 {
		return id.Terminated <= t
	}
	return id.Status == "terminated" && t >= d.AsOf
}

// WithAssignments returns a prepared copy of d that holds asg instead of
// d's assignments, sharing every other table (read-only). It serves to
// look at the access as it was at another time. asg is sorted in place.
func (d *Data) WithAssignments(asg []Assignment) *Data {
	d.checkPrepared()
	c := &Data{AsOf: d.AsOf, Identities: d.Identities, Accounts: d.Accounts, Entitlements: d.Entitlements,
		Assignments: asg, Certifications: d.Certifications, Requests: d.Requests, SoDRules: d.SoDRules,
		Roles: d.Roles, Attributes: d.Attributes, identityIndex: d.identityIndex, entitlementIndex: d.entitlementIndex,
		words: d.words, wordIndex: d.wordIndex}
	c.sortAssignments()
	c.buildColumns()
	c.prepared = true
	return c
}
