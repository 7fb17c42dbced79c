package hygiene

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
)

// getPeers computes peer coverage once, or takes it from the computation
// started ahead.
func (c *checker) getPeers() *Peers {
	if c.peers == nil && c.pending != nil {
		c.peers, c.pending = <-c.pending, nil
	}
	if c.peers == nil {
		c.peers = ComputePeers(c.d, c.opts.Outliers)
	}
	return c.peers
}

// left reports whether identity i has left by AsOf.
func (c *checker) left(i int32) bool {
	if c.gone == nil {
		c.gone = make([]bool, len(c.d.Identities))
		for k := range c.gone {
			c.gone[k] = c.d.LeftBy(int32(k), c.d.AsOf)
		}
	}
	return c.gone[i]
}

// appIDs numbers the application of every entitlement, once: appOf[e]
// is an index into apps.
func (c *checker) appIDs() (appOf []int32, apps []string) {
	if c.appOf == nil {
		c.appID = map[string]int32{}
		c.appOf = make([]int32, len(c.d.Entitlements))
		for e := range c.d.Entitlements {
			app := c.d.Entitlements[e].Application
			k, ok := c.appID[app]
			if !ok {
				k = int32(len(c.apps))
				c.appID[app] = k
				c.apps = append(c.apps, app)
			}
			c.appOf[e] = k
		}
	}
	return c.appOf, c.apps
}

// appIndex returns the id of application app in appIDs, or -1 when no
// entitlement is in it.
func (c *checker) appIndex(app string) int32 {
	c.appIDs()
	if k, ok := c.appID[app]; ok {
		return k
	}
	return -1
}

// terminatedAccess reports leavers who still hold access or accounts.
func (c *checker) terminatedAccess() {
	d := c.d
	if !c.anyIdentity(func(id *Identity) bool { return id.Status != "" || id.Terminated != 0 }) {
		c.notice(CheckTerminatedAccess, "identities have no status or termination_date: leavers cannot be told apart")
		return
	}
	leavers := 0
	for i := range d.Identities {
		i := int32(i)
		if !c.left(i) {
			continue
		}
		leavers++
		lo, hi := d.Held(i)
		accts := d.AccountsOf(i)
		if hi == lo && len(accts) == 0 {
			continue
		}
		id := &d.Identities[i]
		risky := 0
		for _, a := range d.Assignments[lo:hi] {
			if riskSeverity(&d.Entitlements[a.Entitlement]).Rank() >= SeverityHigh.Rank() {
				risky++
			}
		}
		var lastLogin int64
		for _, k := range accts {
			lastLogin = max(lastLogin, d.Accounts[k].LastLogin)
		}
		sev := SeverityHigh
		var ev strings.Builder
		if id.Terminated != 0 {
			fmt.Fprintf(&ev, "terminated %s", day(id.Terminated))
			if d.AsOf != 0 {
				fmt.Fprintf(&ev, " (%d days before as-of)", daysBetween(id.Terminated, d.AsOf))
			}
		} else {
			ev.WriteString("status terminated")
		}
		fmt.Fprintf(&ev, "; still holds %d entitlements (%d high-risk or privileged) and %d accounts", hi-lo, risky, len(accts))
		if len(accts) > 0 {
			fmt.Fprintf(&ev, "; last login %s", day(lastLogin))
			if id.Terminated != 0 && lastLogin > id.Terminated {
				ev.WriteString(", after termination")
				sev = SeverityCritical
			}
		}
		if risky > 0 {
			sev = SeverityCritical
		}
		f := c.identityFinding(CheckTerminatedAccess, sev, i)
		if id.Manager != "" {
			f.RelatedType, f.RelatedID = SubjectIdentity, id.Manager
		}
		f.Evidence = ev.String()
		f.NextStep = "disable the accounts and remove the access now; check the leaver process for this source"
		c.add(f)
	}
	c.measure("leavers", leavers)
}

// dormantAccounts reports accounts of current identities without a login
// for DormantDays.
func (c *checker) dormantAccounts() {
	d := c.d
	switch {
	case len(d.Accounts) == 0:
		c.notice(CheckDormantAccount, "no accounts loaded: dormant accounts cannot be found")
		return
	case !slices.ContainsFunc(d.Accounts, func(a Account) bool { return a.LastLogin != 0 }):
		c.notice(CheckDormantAccount, "accounts have no last_login_at: dormant accounts cannot be found")
		return
	case !c.needAsOf(CheckDormantAccount):
		return
	}
	limit, start := c.opts.DormantDays, c.out.len()
	for k := range d.Accounts {
		a := &d.Accounts[k]
		if a.Identity < 0 || c.left(a.Identity) {
			continue // orphan-account and terminated-access report these
		}
		var why string
		switch {
		case a.LastLogin != 0 && daysBetween(a.LastLogin, d.AsOf) > limit:
			why = fmt.Sprintf("last login %s (%d days ago)", day(a.LastLogin), daysBetween(a.LastLogin, d.AsOf))
		case a.LastLogin == 0 && a.Created != 0 && daysBetween(a.Created, d.AsOf) > limit:
			why = fmt.Sprintf("never logged in since it was created on %s", day(a.Created))
		default:
			continue
		}
		c.dormantApp[identityApp{a.Identity, a.Application}] = true
		n, worst := c.heldIn(a.Identity, c.appIndex(a.Application))
		sev := SeverityLow
		if worst.Rank() >= SeverityHigh.Rank() {
			sev = SeverityMedium
		}
		f := c.identityFinding(CheckDormantAccount, sev, a.Identity)
		f.SubjectType, f.SubjectID = SubjectAccount, a.ID
		f.RelatedType, f.RelatedID = SubjectIdentity, d.Identities[a.Identity].ID
		f.Evidence = fmt.Sprintf("account %s in %s: %s; holds %d entitlements there (dormant after %d days)",
			a.Username, orDash(a.Application), why, n, limit)
		f.NextStep = "disable the account after confirming with its holder's manager; its access goes with it"
		c.add(f)
	}
	c.sortFrom(start)
}

// heldIn counts what identity i holds in application app (an id of
// appIDs) and the highest severity among it.
func (c *checker) heldIn(i, app int32) (int, Severity) {
	appOf, _ := c.appIDs()
	lo, hi := c.d.Held(i)
	n, worst := 0, SeverityLow
	for _, a := range c.d.Assignments[lo:hi] {
		if appOf[a.Entitlement] == app {
			e := &c.d.Entitlements[a.Entitlement]
			n++
			if s := riskSeverity(e); s.Rank() > worst.Rank() {
				worst = s
			}
		}
	}
	return n, worst
}

// unusedAccess reports access not used for UnusedDays, in the
// applications that record usage.
func (c *checker) unusedAccess() {
	d := c.d
	usage, apps := c.usageByApp()
	switch {
	case len(d.Assignments) == 0:
		c.notice(CheckUnusedAccess, "no assignments loaded")
		return
	case !slices.Contains(usage, usageRecorded):
		c.notice(CheckUnusedAccess, "assignments have no last_used_at: unused access cannot be found")
		return
	case !c.needAsOf(CheckUnusedAccess):
		return
	}
	if slices.Contains(usage, usageNone) {
		var none []string
		for k, u := range usage {
			if u == usageNone {
				none = append(none, orDash(apps[k]))
			}
		}
		slices.Sort(none)
		c.noticeStep(CheckUnusedAccess, "load last_used_at for these applications",
			"no usage recorded for %d of %d applications, not assessed: %s", len(none), len(apps)-count(usage, usageNotHeld), listSome(none, 10))
	}
	unused, covered := c.unusedAssignments(usage)
	start := c.out.len()
	for _, k := range unused {
		c.add(c.unusedFinding(&d.Assignments[k]))
	}
	c.sortFrom(start)
	c.measure("in_dormant_accounts", covered)
}

// What the assignments of an application say about its usage.
const (
	usageNotHeld  int8 = iota // no assignment is in the application
	usageNone                 // none of them has last_used_at
	usageRecorded             // some have
)

// usageByApp tells, per application of appIDs, whether its assignments
// record usage.
func (c *checker) usageByApp() ([]int8, []string) {
	appOf, apps := c.appIDs()
	usage := make([]int8, len(apps))
	for _, a := range c.d.Assignments {
		u := &usage[appOf[a.Entitlement]]
		if a.LastUsed != 0 {
			*u = usageRecorded
		} else if *u == usageNotHeld {
			*u = usageNone
		}
	}
	return usage, apps
}

func count[T comparable](list []T, v T) int {
	n := 0
	for _, x := range list {
		if x == v {
			n++
		}
	}
	return n
}

// unusedAssignments returns the assignments of current identities not
// used for UnusedDays in applications that record usage, leaving out (and
// counting) those in dormant accounts, which dormant-account reports.
func (c *checker) unusedAssignments(usage []int8) (unused []int32, covered int) {
	d := c.d
	appOf, _ := c.appIDs()
	dormant := c.dormantKeys()
	limit := c.opts.UnusedDays
	for k := range d.Assignments {
		a := &d.Assignments[k]
		app := appOf[a.Entitlement]
		if usage[app] != usageRecorded || c.left(a.Identity) {
			continue
		}
		if a.LastUsed != 0 && daysBetween(a.LastUsed, d.AsOf) <= limit ||
			a.LastUsed == 0 && a.Granted != 0 && daysBetween(a.Granted, d.AsOf) <= limit {
			continue
		}
		if _, ok := slices.BinarySearch(dormant, uint64(a.Identity)<<32|uint64(app)); ok {
			covered++
			continue
		}
		unused = append(unused, int32(k))
	}
	return unused, covered
}

// dormantKeys returns the pairs of dormantApp as identity<<32 | application
// id (of appIDs), sorted.
func (c *checker) dormantKeys() []uint64 {
	if len(c.dormantApp) == 0 {
		return nil
	}
	keys := make([]uint64, 0, len(c.dormantApp))
	for p := range c.dormantApp {
		if k := c.appIndex(p.app); k >= 0 { // else the identity holds nothing there
			keys = append(keys, uint64(p.i)<<32|uint64(k))
		}
	}
	slices.Sort(keys)
	return keys
}

// unusedFinding reports assignment a, which unusedAssignments returned.
func (c *checker) unusedFinding(a *Assignment) Finding {
	d := c.d
	e := &d.Entitlements[a.Entitlement]
	why := "never used (grant date unknown)"
	switch {
	case a.LastUsed != 0:
		why = fmt.Sprintf("last used %s (%d days ago)", day(a.LastUsed), daysBetween(a.LastUsed, d.AsOf))
	case a.Granted != 0:
		why = "never used since granted " + day(a.Granted)
	}
	f := c.accessFinding(CheckUnusedAccess, riskSeverity(e), a)
	f.Evidence = fmt.Sprintf("%s (%s, %s risk) held via %s: %s; unused after %d days", e.ID, e.Label(), orDash(e.Risk),
		sourceText(a.Source), why, c.opts.UnusedDays)
	f.NextStep = "revoke; the holder can request it again if needed"
	return f
}

func sourceText(s Source) string {
	if s == SourceUnknown {
		return "unknown source"
	}
	return s.String()
}

func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

// sodViolations reports identities that hold both sides of a rule.
func (c *checker) sodViolations() {
	d := c.d
	if len(d.SoDRules) == 0 {
		c.notice(CheckSoDViolation, "no separation-of-duties rules loaded: violations cannot be found")
		return
	}
	for _, r := range d.SoDRules {
		ha, hb := d.Holders(r.A), d.Holders(r.B)
		x, y := 0, 0
		for x < len(ha) && y < len(hb) {
			ia, ib := d.Assignments[ha[x]].Identity, d.Assignments[hb[y]].Identity
			switch {
			case ia < ib:
				x++
			case ia > ib:
				y++
			default:
				c.sodFinding(r, &d.Assignments[ha[x]], &d.Assignments[hb[y]])
				x++
				y++
			}
		}
	}
}

func (c *checker) sodFinding(r SoDRule, a, b *Assignment) {
	d := c.d
	sev := Severity(r.Severity)
	if sev.Rank() < SeverityLow.Rank() {
		sev = SeverityHigh
	}
	f := c.identityFinding(CheckSoDViolation, sev, a.Identity)
	f.RelatedType, f.RelatedID = SubjectRule, r.ID
	f.Entitlement = b.Entitlement // the side usually granted last
	if a.Granted > b.Granted {
		f.Entitlement = a.Entitlement
	}
	side := func(x *Assignment) string {
		e := &d.Entitlements[x.Entitlement]
		return fmt.Sprintf("%s (%s, via %s, granted %s)", e.ID, e.Label(), sourceText(x.Source), day(x.Granted))
	}
	f.Evidence = fmt.Sprintf("holds both sides of %s: %s and %s", r.ID, side(a), side(b))
	f.NextStep = "remove one side, or record a mitigating control and an exception with an expiry date"
	c.add(f)
}

// privilegedOutsideRole reports privileged access that no role grants.
func (c *checker) privilegedOutsideRole() {
	d := c.d
	if !slices.ContainsFunc(d.Entitlements, func(e Entitlement) bool { return e.Privileged }) {
		c.notice(CheckPrivilegedNoRole, "no entitlement is marked privileged: privileged access cannot be found")
		return
	}
	if len(d.Roles) == 0 && !slices.ContainsFunc(d.Assignments, func(a Assignment) bool { return a.Source != SourceUnknown }) {
		c.notice(CheckPrivilegedNoRole, "assignments have no source and no mined roles are stored: access outside roles cannot be told")
		return
	}
	var peers *Peers
	if len(d.Roles) > 0 {
		peers = c.getPeers()
	} else {
		c.noticeStep(CheckPrivilegedNoRole, "run rolemine mine to take mined roles into account",
			"no mined roles stored: roles are taken from the assignment source only")
	}
	for k := range d.Assignments {
		a := &d.Assignments[k]
		e := &d.Entitlements[a.Entitlement]
		if !e.Privileged || a.Source == SourceRole || a.Source == SourceBirthright {
			continue
		}
		if peers != nil && peers.Role(int32(k)) != "" {
			continue
		}
		sev := SeverityHigh
		if e.Risk == "critical" {
			sev = SeverityCritical
		}
		f := c.accessFinding(CheckPrivilegedNoRole, sev, a)
		f.Evidence = fmt.Sprintf("privileged %s (%s, %s risk) held via %s since %s, in no role", e.ID, e.Label(), orDash(e.Risk),
			sourceText(a.Source), day(a.Granted))
		if peers != nil {
			f.Evidence += " nor mined role"
		}
		f.NextStep = "move it into a role with an owner, or make it time-bound (just-in-time) access"
		c.add(f)
	}
}

// outlierAccess reports access few of the identity's peers hold.
func (c *checker) outlierAccess() {
	d, start := c.d, c.out.len()
	if !c.anyIdentity(func(id *Identity) bool {
		return id.Title != "" || id.Department != "" || id.Manager != "" || id.Location != ""
	}) {
		c.notice(CheckOutlierAccess, "identities have no department, title, manager or location: humans have no peer groups (non-humans are compared by co-holders)")
	}
	p := c.getPeers()
	var assessed atomic.Int64
	// Outlier access is the last check, run when the others are done:
	// its assignments are shared out.
	c.addInParts(len(d.Assignments), func(lo, hi int, add func(Finding)) {
		n := 0
		for k := lo; k < hi; k++ {
			if _, ok := p.Share(int32(k)); ok {
				n++
			}
			score, ok := p.Outlier(int32(k))
			if !ok {
				continue
			}
			a := &d.Assignments[k]
			e := &d.Entitlements[a.Entitlement]
			f := c.accessFinding(CheckOutlierAccess, riskSeverity(e), a)
			f.Confidence = score
			f.Evidence = fmt.Sprintf("%s (%s, %s risk) via %s: %s", e.ID, e.Label(), orDash(e.Risk), sourceText(a.Source), p.Describe(int32(k)))
			if r := p.Role(int32(k)); len(d.Roles) > 0 && r == "" {
				f.Evidence += "; in none of the identity's mined roles"
			}
			f.NextStep = "ask the manager for the business reason; revoke if there is none"
			add(f)
		}
		assessed.Add(int64(n))
	})
	if n, done := len(d.Assignments), int(assessed.Load()); n > 0 {
		c.measure("assessed_share", float64(done)/float64(n))
		if done < n {
			c.noticeStep(CheckOutlierAccess, "load department, title and manager_id for every identity, or lower the minimum group size",
				"%d of %d assignments have no peer group of %d or more and were not assessed", n-done, n, c.opts.Outliers.MinPeers+1)
		}
	}
	c.sortFrom(start)
}
