package hygiene

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// checker runs the checks on one prepared Data.
type checker struct {
	d    *Data
	opts Options
	out  findingList
	st   *CheckStats
	// dormantApp marks (identity, application) pairs whose account is
	// dormant, so unused-access does not repeat the dormant-account finding.
	dormantApp map[identityApp]bool
	peers      *Peers
	pending    chan *Peers // peers being computed ahead of use, or nil
	pairs      []Pair

	gone []bool // whether each identity has left, built on first use
	// appOf numbers the application of each entitlement (an index into
	// apps), built on first use.
	appOf []int32
	apps  []string
	appID map[string]int32
}

type identityApp struct {
	i   int32
	app string
}

func (c *checker) add(f Finding) {
	if f.Confidence == 0 {
		f.Confidence = 1
	}
	c.out.add(f)
	if f.Severity == SeverityNotice {
		c.st.Notices = append(c.st.Notices, f.Evidence)
	} else if f.SubjectType != SubjectSummary {
		c.st.Findings++
	}
}

func (c *checker) notice(check, format string, args ...any) { c.add(notice(check, format, args...)) }

// sortFrom puts the findings added since the start-th, all of one check,
// in the order sortFindings gives them, so that its sort, with a costlier
// comparison, finds them sorted. The comparison is compareFindings with
// the severities ranked once and the fields compared only as far as
// needed.
func (c *checker) sortFrom(start int) {
	n := c.out.len() - start
	at := func(k int32) *Finding { return c.out.at(start + int(k)) }
	rank := make([]int8, n)
	order := make([]int32, n)
	for k := range int32(n) {
		rank[k], order[k] = int8(at(k).Severity.Rank()), k
	}
	slices.SortFunc(order, func(x, y int32) int {
		a, b := at(x), at(y)
		ra, rb := rank[x], rank[y]
		switch {
		case (ra == 0 || rb == 0) && ra != rb: // notices first
			return cmp.Compare(ra, rb)
		case ra != rb:
			return cmp.Compare(rb, ra)
		case a.Confidence != b.Confidence:
			return cmp.Compare(b.Confidence, a.Confidence)
		case a.SubjectID != b.SubjectID:
			return strings.Compare(a.SubjectID, b.SubjectID)
		case a.RelatedID != b.RelatedID:
			return strings.Compare(a.RelatedID, b.RelatedID)
		}
		return strings.Compare(a.Evidence, b.Evidence)
	})
	permute(at, order)
}

// permute moves the finding at(order[k]) to at(k), in place; it reuses
// order.
func permute(at func(int32) *Finding, order []int32) {
	for k := range int32(len(order)) {
		if order[k] < 0 {
			continue
		}
		f, j := *at(k), k
		for order[j] != k {
			*at(j), order[j], j = *at(order[j]), -1, order[j]
		}
		*at(j), order[j] = f, -1
	}
}

// minCheckPart is the least number of subjects addInParts gives a
// goroutine.
var minCheckPart = 1 << 16

// addInParts calls check(lo, hi, add) for consecutive ranges [lo, hi) of
// the n subjects of a check on GOMAXPROCS goroutines (one range when n is
// under twice minCheckPart), then adds the findings each range gave, in
// range order: the same findings in the same order as one call on [0, n).
// check must only read shared state.
func (c *checker) addInParts(n int, check func(lo, hi int, add func(Finding))) {
	parts := max(1, min(runtime.GOMAXPROCS(0), n/minCheckPart))
	found := make([]findingList, parts)
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() { check(p*n/parts, (p+1)*n/parts, found[p].add) })
	}
	wg.Wait()
	for p := range found {
		for _, chunk := range found[p].chunks {
			for k := range chunk {
				c.add(chunk[k])
			}
		}
		found[p].chunks = nil
	}
}

// findingList holds findings in chunks of findingChunk: adding millions
// of findings to one slice would copy all those before at each growth of
// its array. Every chunk but the last is full.
type findingList struct{ chunks [][]Finding }

const findingChunk = 1 << 14

func (l *findingList) len() int {
	if len(l.chunks) == 0 {
		return 0
	}
	return (len(l.chunks)-1)*findingChunk + len(l.chunks[len(l.chunks)-1])
}

func (l *findingList) add(f Finding) {
	if k := len(l.chunks) - 1; k < 0 || len(l.chunks[k]) == findingChunk {
		l.chunks = append(l.chunks, make([]Finding, 0, findingChunk))
	}
	last := &l.chunks[len(l.chunks)-1]
	*last = append(*last, f)
}

// at returns the k-th finding added.
func (l *findingList) at(k int) *Finding { return &l.chunks[k/findingChunk][k%findingChunk] }

// appendTo appends the findings to dst, in order, and empties l.
func (l *findingList) appendTo(dst []Finding) []Finding {
	for k, c := range l.chunks {
		dst = append(dst, c...)
		l.chunks[k] = nil
	}
	l.chunks = nil
	return dst
}

// noticeStep adds a notice with its own next step.
func (c *checker) noticeStep(check, step, format string, args ...any) {
	n := notice(check, format, args...)
	n.NextStep = step
	c.add(n)
}

func (c *checker) measure(key string, v any) {
	if c.st.Measures == nil {
		c.st.Measures = map[string]any{}
	}
	c.st.Measures[key] = v
}

func (c *checker) needAsOf(check string) bool {
	if c.d.AsOf == 0 {
		c.noticeStep(check, "give a reference time (--as-of)", "no reference time (no timestamps in the data and no --as-of): ages cannot be computed")
		return false
	}
	return true
}

func (c *checker) identityFinding(check string, sev Severity, i int32) Finding {
	return Finding{Check: check, Severity: sev, SubjectType: SubjectIdentity, SubjectID: c.d.Identities[i].ID,
		Identity: i, Entitlement: -1}
}

func (c *checker) accessFinding(check string, sev Severity, a *Assignment) Finding {
	return Finding{Check: check, Severity: sev, SubjectType: SubjectIdentity, SubjectID: c.d.Identities[a.Identity].ID,
		RelatedType: SubjectEntitlement, RelatedID: c.d.Entitlements[a.Entitlement].ID,
		Identity: a.Identity, Entitlement: a.Entitlement}
}

// duplicateIdentities reports likely second identities of one person.
func (c *checker) duplicateIdentities() {
	d := c.d
	named := 0
	for i := range d.Identities {
		if d.Identities[i].Name != "" || d.Identities[i].Email != "" {
			named++
		}
	}
	if named == 0 {
		c.notice(CheckDuplicateIdentity, "identities have no display_name or email: duplicates cannot be matched")
		return
	}
	if !c.anyIdentity(func(id *Identity) bool { return id.Manager != "" || id.Title != "" || id.Department != "" }) {
		c.noticeStep(CheckDuplicateIdentity, "load manager_id, title and department to match with more confidence",
			"no manager_id, title or department: duplicates are matched on names and access only, with less confidence")
	}
	pairs, warnings := FindDuplicates(d, c.opts.Duplicates)
	c.measure("pairs", len(pairs))
	for _, w := range warnings {
		c.noticeStep(CheckDuplicateIdentity, "pairs within these groups were not compared", "%s", w)
	}
	for _, p := range pairs {
		a, b := &d.Identities[p.A], &d.Identities[p.B]
		sev := SeverityMedium
		if p.Confidence >= 0.9 && c.holds(p.A) && c.holds(p.B) {
			sev = SeverityHigh
		}
		f := c.identityFinding(CheckDuplicateIdentity, sev, p.A)
		f.RelatedType, f.RelatedID, f.Confidence = SubjectIdentity, b.ID, p.Confidence
		f.Evidence = fmt.Sprintf("%q (%s, %s) and %q (%s, %s): %s", a.Name, a.ID, orDash(a.Status), b.Name, b.ID,
			orDash(b.Status), strings.Join(p.Reasons, "; "))
		f.NextStep = "confirm with the manager or HR that both records are one person, then merge them and remove the second identity's access"
		c.add(f)
	}
	c.pairs = pairs
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (c *checker) holds(i int32) bool { lo, hi := c.d.Held(i); return hi > lo }

func (c *checker) anyIdentity(fn func(*Identity) bool) bool {
	for k := range c.d.Identities {
		if fn(&c.d.Identities[k]) {
			return true
		}
	}
	return false
}

// orphanAccounts reports accounts that belong to no known identity, with
// the likely owner when the username matches another account's.
func (c *checker) orphanAccounts() {
	d := c.d
	if len(d.Accounts) == 0 {
		c.notice(CheckOrphanAccount, "no accounts loaded: orphaned accounts cannot be found")
		return
	}
	owners := c.usernameOwners()
	for k := range d.Accounts {
		a := &d.Accounts[k]
		if a.Identity >= 0 {
			continue
		}
		sev, used := SeverityMedium, ""
		if a.LastLogin != 0 && d.AsOf != 0 && daysBetween(a.LastLogin, d.AsOf) <= c.opts.DormantDays {
			sev, used = SeverityHigh, " and in use"
		}
		why := "names no identity"
		if a.IdentityID != "" {
			why = fmt.Sprintf("names identity %s, which is not among the identities", a.IdentityID)
		}
		f := Finding{Check: CheckOrphanAccount, Severity: sev, SubjectType: SubjectAccount, SubjectID: a.ID,
			Identity: -1, Entitlement: -1,
			Evidence: fmt.Sprintf("account %s in %s %s%s; created %s, last login %s", a.Username, orDash(a.Application), why, used,
				day(a.Created), day(a.LastLogin)),
			NextStep: "find the owner, then re-link the account or disable it"}
		if i, ok := owners[normalUsername(a.Username)]; ok {
			f.RelatedType, f.RelatedID, f.Confidence = SubjectIdentity, d.Identities[i].ID, 0.7
			f.Evidence += fmt.Sprintf("; username matches an account of %s (%s)", d.Identities[i].ID, d.Identities[i].Name)
			f.NextStep = fmt.Sprintf("confirm with %s whether the account is theirs, then re-link or disable it", d.Identities[i].ID)
		}
		c.add(f)
	}
}

// usernameOwners maps normalised usernames and e-mail local parts of
// linked accounts to their identity, leaving out ambiguous ones.
func (c *checker) usernameOwners() map[string]int32 {
	d := c.d
	owners := map[string]int32{}
	add := func(name string, i int32) {
		if name == "" {
			return
		}
		if j, ok := owners[name]; ok && j != i {
			owners[name] = -1
			return
		}
		owners[name] = i
	}
	for k := range d.Accounts {
		if a := &d.Accounts[k]; a.Identity >= 0 {
			add(normalUsername(a.Username), a.Identity)
		}
	}
	for i := range d.Identities {
		if local, _, ok := strings.Cut(d.Identities[i].Email, "@"); ok {
			add(normalUsername(local), int32(i))
		}
	}
	for k, i := range owners {
		if i < 0 {
			delete(owners, k)
		}
	}
	return owners
}

// normalUsername lower-cases a username and strips the prefixes that mark
// old, temporary, test and admin copies ("old-", "tmp_", "adm-", …).
func normalUsername(u string) string {
	u = Fold(strings.TrimSpace(u))
	for changed := true; changed; {
		changed = false
		for _, p := range copyPrefixes {
			for k := range len(copySeparators) { // cut p+sep unless nothing is left
				if len(u) > len(p)+1 && u[len(p)] == copySeparators[k] && u[:len(p)] == p {
					u, changed = u[len(p)+1:], true
				}
			}
		}
	}
	if local, _, ok := strings.Cut(u, "@"); ok {
		u = local
	}
	return u
}

// copyPrefixes, each followed by one of copySeparators, mark copies of
// an account.
var copyPrefixes = []string{"old", "tmp", "temp", "test", "adm", "admin", "x", "a", "zz"}

const copySeparators = "-_."

// duplicateAccounts reports identities with several accounts in one
// application.
func (c *checker) duplicateAccounts() {
	d := c.d
	if len(d.Accounts) == 0 {
		c.notice(CheckDuplicateAccount, "no accounts loaded: duplicate accounts cannot be found")
		return
	}
	var list []int32
	for i := range int32(len(d.Identities)) {
		accts := d.AccountsOf(i)
		if len(accts) < 2 {
			continue
		}
		// By application, then as the accounts of one application are
		// compared: creation, id, and load order.
		list = append(list[:0], accts...)
		slices.SortFunc(list, func(x, y int32) int {
			ax, ay := &d.Accounts[x], &d.Accounts[y]
			return cmp.Or(strings.Compare(ax.Application, ay.Application), cmp.Compare(ax.Created, ay.Created),
				strings.Compare(ax.ID, ay.ID), cmp.Compare(x, y))
		})
		for lo := 0; lo < len(list); {
			hi := lo + 1
			for hi < len(list) && d.Accounts[list[hi]].Application == d.Accounts[list[lo]].Application {
				hi++
			}
			if hi-lo > 1 {
				c.duplicateAccountsOf(i, list[lo:hi])
			}
			lo = hi
		}
	}
}

// duplicateAccountsOf reports the accounts of identity i in one
// application, sorted by creation, after the first.
func (c *checker) duplicateAccountsOf(i int32, list []int32) {
	d := c.d
	first := &d.Accounts[list[0]]
	for _, k := range list[1:] {
		a := &d.Accounts[k]
		sev, note := SeverityLow, ""
		if n := normalUsername(a.Username); n != Fold(a.Username) {
			sev, note = SeverityMedium, " (named like an admin or temporary copy)"
		}
		c.add(Finding{Check: CheckDuplicateAccount, Severity: sev, SubjectType: SubjectAccount, SubjectID: a.ID,
			RelatedType: SubjectAccount, RelatedID: first.ID, Identity: i, Entitlement: -1,
			Evidence: fmt.Sprintf("identity %s has accounts %s and %s%s in %s; last logins %s and %s",
				d.Identities[i].ID, first.Username, a.Username, note, orDash(first.Application), day(first.LastLogin), day(a.LastLogin)),
			NextStep: "keep one account per application unless a separate admin account is sanctioned; disable the other"})
	}
}
