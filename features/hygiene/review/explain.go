package review

import (
	"fmt"
	"strconv"
	"strings"

	"rolemine/features/hygiene"
)

// Explanation is an item's evidence and reason in words.
type Explanation struct {
	Reason   string // why the suggestion
	Lean     string // for decide items: where the evidence points
	Why      string // why the person holds it
	Peers    string // peer coverage
	LastUse  string
	Role     string // mined role fit
	Past     string // earlier decisions
	Findings string // hygiene findings on the item or identity
}

// Explain writes out the evidence and the reason of an item of c.
func (c *Campaign) Explain(it *Item) Explanation {
	return c.view.explain(it, c.Duplicates, "")
}

// explain writes out an item; past decisions by reviewer are not
// attributed again.
func (v *view) explain(it *Item, pairs []hygiene.Pair, reviewer string) Explanation {
	d := v.d
	ev := &it.Evidence
	x := Explanation{Role: ev.Role, Why: orDash(ev.Source.String())}
	if ev.Request >= 0 {
		x.Why += ", " + v.requestText(ev.Request)
	}
	if ev.Granted != 0 {
		x.Why += ", granted " + day(ev.Granted)
	}
	x.Peers = "not assessed"
	if ev.Assessed {
		x.Peers = v.peers.Describe(ev.Assignment)
	}
	switch {
	case !ev.UsageKnown:
		x.LastUse = "not recorded"
	case ev.LastUsed == 0:
		x.LastUse = "never"
	default:
		x.LastUse = day(ev.LastUsed) + " (" + strconv.Itoa(daysBetween(ev.LastUsed, v.t)) + " days ago)"
	}
	var past []string
	for _, k := range ev.Past {
		c := &d.Certifications[k]
		p := d.Word(c.Campaign) + " " + orDash(d.Word(c.Decision))
		if by := d.Word(c.Reviewer); by != reviewer {
			p += " by " + orDash(by)
		}
		past = append(past, p)
	}
	x.Past = strings.Join(past, ", ")
	var fs []string
	if ev.Left {
		fs = append(fs, "identity left on "+day(ev.LeftOn))
	}
	if ev.SoDRule >= 0 {
		fs = append(fs, "sod-violation "+d.SoDRules[ev.SoDRule].ID)
	}
	if ev.Duplicate >= 0 {
		fs = append(fs, "duplicate-identity: "+duplicateText(d, it.Identity, pairs[ev.Duplicate]))
	}
	if ev.Outlier {
		fs = append(fs, "outlier-access")
	}
	if ev.Dormant {
		fs = append(fs, "dormant-account in this application")
	}
	if ev.UsageKnown && unused(ev, v.t, v.opts.UnusedDays) {
		fs = append(fs, "unused-access")
	}
	if ev.OutsideAll {
		fs = append(fs, "privileged-outside-role")
	}
	if ev.OwnerLeft {
		fs = append(fs, "nonhuman-owner: no active owner")
	}
	x.Findings = strings.Join(fs, "; ")
	x.Reason = v.reason(it, &x, pairs)
	if it.Lean != "" {
		x.Lean = "evidence leans " + it.Lean + " (" + strconv.FormatFloat(it.LeanConfidence, 'f', 2, 64) + ")"
	}
	return x
}

func (v *view) requestText(r int32) string {
	req := &v.d.Requests[r]
	return "request " + req.ID + " approved " + day(req.Decided) + " by " + orDash(req.DecidedBy)
}

func duplicateText(d *hygiene.Data, i int32, p hygiene.Pair) string {
	other := p.B
	if other == i {
		other = p.A
	}
	return fmt.Sprintf("may be one person with %s %q (confidence %.2f)", d.Identities[other].ID, d.Identities[other].Name, p.Confidence)
}

// reason states the rule that gave the suggestion.
func (v *view) reason(it *Item, x *Explanation, pairs []hygiene.Pair) string {
	d := v.d
	ev := &it.Evidence
	switch it.rule {
	case ruleSoD:
		other := &d.Entitlements[ev.SoDOther]
		return fmt.Sprintf("separation of duties: completes %s with %s (%s)", d.SoDRules[ev.SoDRule].ID, other.ID, other.Label())
	case ruleHighRisk:
		return riskText(ev) + ": decide explicitly"
	case ruleOutlier:
		return "exception: " + x.Peers
	case rulePastRevoke:
		c := &d.Certifications[ev.Past[len(ev.Past)-1]]
		return "revoked in " + d.Word(c.Campaign) + " by " + orDash(d.Word(c.Reviewer)) + " but still held"
	case ruleDuplicate:
		return "identity " + duplicateText(d, it.Identity, pairs[ev.Duplicate])
	case ruleNoEvidence:
		return "no evidence either way"
	case ruleLeft:
		return "the identity left on " + day(ev.LeftOn)
	case ruleDormant:
		return "the account in this application is dormant"
	case ruleUnused:
		if ev.LastUsed != 0 {
			return "not used since " + day(ev.LastUsed) + " (" + strconv.Itoa(daysBetween(ev.LastUsed, v.t)) + " days)"
		}
		return "never used since granted " + day(ev.Granted)
	}
	var why []string
	if ev.Assessed {
		held, peers, _ := v.peers.Coverage(ev.Assignment)
		why = append(why, "held by "+strconv.Itoa(held)+" of "+strconv.Itoa(peers)+" peers")
	}
	switch {
	case ev.Source == hygiene.SourceRole || ev.Source == hygiene.SourceBirthright:
		why = append(why, "granted by "+ev.Source.String())
	case ev.Request >= 0:
		why = append(why, v.requestText(ev.Request))
	}
	if ev.Role != "" {
		why = append(why, "in mined role "+ev.Role)
	}
	if ev.UsageKnown && ev.LastUsed != 0 {
		why = append(why, usedAgo(daysBetween(ev.LastUsed, v.t)))
	}
	if len(ev.Past) > 0 {
		why = append(why, "kept in "+d.Word(d.Certifications[ev.Past[len(ev.Past)-1]].Campaign))
	}
	return strings.Join(why, "; ")
}

func riskText(ev *Evidence) string {
	s := orDash(ev.Risk) + " risk"
	if ev.Privileged {
		s += ", privileged"
	}
	return s
}

func usedAgo(days int) string {
	switch days {
	case 0:
		return "used today"
	case 1:
		return "used yesterday"
	}
	return "used " + strconv.Itoa(days) + " days ago"
}
