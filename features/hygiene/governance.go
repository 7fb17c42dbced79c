package hygiene

import (
	"fmt"
	"math"
	"slices"
)

// nonHumanOwners reports non-human identities without an accountable
// owner: none, unknown, or one who has left.
func (c *checker) nonHumanOwners() {
	d := c.d
	if !c.anyIdentity(func(id *Identity) bool { return !id.Human() }) {
		c.notice(CheckNonHumanOwner, "no non-human identities (no kind column, or every identity is human)")
		return
	}
	if !c.anyIdentity(func(id *Identity) bool { return !id.Human() && id.Owner != "" }) {
		c.notice(CheckNonHumanOwner, "no non-human identity has an owner_id: ownership cannot be checked")
		return
	}
	total, none, gone := 0, 0, 0
	for i := range d.Identities {
		id := &d.Identities[i]
		if id.Human() || id.Status == "terminated" {
			continue
		}
		total++
		var why string
		owner, known := d.identityIndex[id.Owner]
		switch {
		case id.Owner == "":
			why, none = "has no owner", none+1
		case !known:
			why, none = fmt.Sprintf("names owner %s, who is not among the identities", id.Owner), none+1
		case c.left(owner):
			why, gone = fmt.Sprintf("is owned by %s (%s), who has left", id.Owner, d.Identities[owner].Name), gone+1
		default:
			continue
		}
		lo, hi := d.Held(int32(i))
		worst := SeverityLow
		for _, a := range d.Assignments[lo:hi] {
			if s := riskSeverity(&d.Entitlements[a.Entitlement]); s.Rank() > worst.Rank() {
				worst = s
			}
		}
		sev := SeverityMedium
		if worst.Rank() >= SeverityHigh.Rank() {
			sev = SeverityHigh
		}
		f := c.identityFinding(CheckNonHumanOwner, sev, int32(i))
		if known && id.Owner != "" {
			f.RelatedType, f.RelatedID = SubjectIdentity, id.Owner
		}
		f.Evidence = fmt.Sprintf("%s %s (%s) %s; holds %d entitlements (highest %s)", id.Kind, id.ID, id.Name, why, hi-lo, worst)
		f.NextStep = "assign an active owner (the team running it) or disable the identity"
		c.add(f)
	}
	c.measure("nonhuman", total)
	c.measure("without_owner", none)
	c.measure("owner_left", gone)
}

// rotationDays returns the rotation policy for kind.
func (c *checker) rotationDays(kind string) int {
	if n, ok := c.opts.RotationByKind[kind]; ok && n > 0 {
		return n
	}
	return c.opts.RotationDays
}

// credentialRotation reports accounts of non-human identities whose
// credentials were not rotated within policy, and the share overdue.
func (c *checker) credentialRotation() {
	d := c.d
	isNH := func(a Account) bool { return a.Identity >= 0 && !d.Identities[a.Identity].Human() }
	switch {
	case len(d.Accounts) == 0:
		c.notice(CheckCredentialRotation, "no accounts loaded: credential rotation cannot be checked")
		return
	case !slices.ContainsFunc(d.Accounts, isNH):
		c.notice(CheckCredentialRotation, "no accounts of non-human identities: credential rotation cannot be checked")
		return
	case !slices.ContainsFunc(d.Accounts, func(a Account) bool { return a.Rotated != 0 }):
		c.notice(CheckCredentialRotation, "accounts have no credential_rotated_at: credential rotation cannot be checked")
		return
	case !c.needAsOf(CheckCredentialRotation):
		return
	}
	type tally struct{ total, overdue int }
	byKind := map[string]*tally{}
	all := tally{}
	for k := range d.Accounts {
		a := &d.Accounts[k]
		if !isNH(*a) || d.Identities[a.Identity].Status == "terminated" {
			continue
		}
		id := &d.Identities[a.Identity]
		t := byKind[id.Kind]
		if t == nil {
			t = &tally{}
			byKind[id.Kind] = t
		}
		t.total++
		all.total++
		policy := c.rotationDays(id.Kind)
		var why string
		sev := SeverityMedium
		switch {
		case a.Rotated == 0:
			why, sev = "no rotation on record", SeverityHigh
		case daysBetween(a.Rotated, d.AsOf) > policy:
			age := daysBetween(a.Rotated, d.AsOf)
			why = fmt.Sprintf("last rotated %s (%d days ago)", day(a.Rotated), age)
			if age > 2*policy {
				sev = SeverityHigh
			}
		default:
			continue
		}
		t.overdue++
		all.overdue++
		f := c.identityFinding(CheckCredentialRotation, sev, a.Identity)
		f.SubjectType, f.SubjectID = SubjectAccount, a.ID
		f.RelatedType, f.RelatedID = SubjectIdentity, id.ID
		f.Evidence = fmt.Sprintf("%s %s account %s in %s: %s; policy %d days", id.Kind, id.ID, a.Username, orDash(a.Application), why, policy)
		f.NextStep = "rotate the credential (or move it to a vault with automatic rotation) and record it"
		c.add(f)
	}
	share := func(t tally) float64 {
		if t.total == 0 {
			return 0
		}
		return math.Round(1e4*float64(t.overdue)/float64(t.total)) / 1e4
	}
	c.measure("accounts", all.total)
	c.measure("overdue", all.overdue)
	c.measure("overdue_share", share(all))
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	text := fmt.Sprintf("%.1f%% of %d non-human accounts overdue for rotation", 100*share(all), all.total)
	for _, k := range kinds {
		c.measure("overdue_share_"+k, share(*byKind[k]))
		text += fmt.Sprintf("; %s %.1f%% of %d (policy %d days)", k, 100*share(*byKind[k]), byKind[k].total, c.rotationDays(k))
	}
	c.add(Finding{Check: CheckCredentialRotation, Severity: SeverityInfo, SubjectType: SubjectSummary, Identity: -1, Entitlement: -1,
		Evidence: text, NextStep: "track the share overdue until it reaches zero"})
}

// LastCertified returns, per assignment of d, the time of the latest
// certification of that identity and entitlement at or before t (0 when
// none).
func LastCertified(d *Data, t int64) []int64 {
	d.checkPrepared()
	at := make([]int64, len(d.Assignments))
	for _, cert := range d.Certifications {
		if cert.At == 0 || t != 0 && cert.At > t {
			continue
		}
		if a := d.Find(cert.Identity, cert.Entitlement); a >= 0 && cert.At > at[a] {
			at[a] = cert.At
		}
	}
	return at
}

// staleCertifications reports, per entitlement, the access not certified
// within the campaign period.
func (c *checker) staleCertifications() {
	d := c.d
	switch {
	case len(d.Certifications) == 0:
		c.notice(CheckStaleCertification, "no certifications loaded: certification coverage cannot be measured")
		return
	case !c.needAsOf(CheckStaleCertification):
		return
	}
	if !c.opts.CertifyBirthright {
		c.noticeStep(CheckStaleCertification, "count it with --certify-birthright if campaigns cover it",
			"birthright access is taken as exempt from campaigns and not counted")
	}
	last := LastCertified(d, d.AsOf)
	period := c.opts.CertificationDays
	stale, due := 0, 0
	for e := range d.Entitlements {
		var n, old, never int
		var newest int64
		for _, k := range d.Holders(int32(e)) {
			a := &d.Assignments[k]
			if a.Source == SourceBirthright && !c.opts.CertifyBirthright || c.left(a.Identity) {
				continue
			}
			if a.Granted != 0 && daysBetween(a.Granted, d.AsOf) <= period {
				continue // not due yet
			}
			n++
			newest = max(newest, last[k])
			switch {
			case last[k] == 0:
				never++
			case daysBetween(last[k], d.AsOf) > period:
				old++
			}
		}
		due += n
		if old+never == 0 {
			continue
		}
		stale += old + never
		ent := &d.Entitlements[e]
		f := Finding{Check: CheckStaleCertification, Severity: riskSeverity(ent), SubjectType: SubjectEntitlement,
			SubjectID: ent.ID, Confidence: 1, Identity: -1, Entitlement: int32(e),
			Evidence: fmt.Sprintf("%s (%s, %s risk): %d of %d holders not certified within %d days (%d never certified); last certified %s",
				ent.ID, ent.Label(), orDash(ent.Risk), old+never, n, period, never, day(newest)),
			NextStep: "include it in the next campaign"}
		if ent.Owner != "" {
			f.RelatedType, f.RelatedID = SubjectIdentity, ent.Owner
		}
		c.add(f)
	}
	c.measure("due", due)
	c.measure("stale", stale)
	if due > 0 {
		c.measure("stale_share", math.Round(1e4*float64(stale)/float64(due))/1e4)
	}
}

// entitlementOwners reports entitlements without an accountable owner.
func (c *checker) entitlementOwners() {
	d := c.d
	if len(d.Entitlements) == 0 {
		c.notice(CheckEntitlementOwner, "no entitlements loaded")
		return
	}
	if !slices.ContainsFunc(d.Entitlements, func(e Entitlement) bool { return e.Owner != "" }) {
		c.notice(CheckEntitlementOwner, "no entitlement has an owner_id: ownership cannot be checked (the column is probably missing)")
		return
	}
	none, gone := 0, 0
	for e := range d.Entitlements {
		ent := &d.Entitlements[e]
		owner, known := d.identityIndex[ent.Owner]
		var why string
		switch {
		case ent.Owner == "":
			why, none = "has no owner", none+1
		case !known:
			why, none = fmt.Sprintf("names owner %s, who is not among the identities", ent.Owner), none+1
		case c.left(owner):
			why, gone = fmt.Sprintf("is owned by %s, who has left", ent.Owner), gone+1
		default:
			continue
		}
		holders := len(d.Holders(int32(e)))
		sev := riskSeverity(ent)
		if holders == 0 && sev.Rank() > SeverityLow.Rank() {
			sev = SeverityLow
		}
		f := Finding{Check: CheckEntitlementOwner, Severity: sev, SubjectType: SubjectEntitlement, SubjectID: ent.ID,
			Confidence: 1, Identity: -1, Entitlement: int32(e),
			Evidence: fmt.Sprintf("%s (%s, %s risk) %s; held by %d identities", ent.ID, ent.Label(), orDash(ent.Risk), why, holders),
			NextStep: "name an active owner to approve requests and certify holders"}
		if known && ent.Owner != "" {
			f.RelatedType, f.RelatedID = SubjectIdentity, ent.Owner
		}
		c.add(f)
	}
	c.measure("without_owner", none)
	c.measure("owner_left", gone)
}
