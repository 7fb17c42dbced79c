package synth

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
)

// File names, relative to the output directory.
const (
	IdentitiesFile     = "identities.csv"
	AccountsFile       = "accounts.csv"
	EntitlementsFile   = "entitlements.csv"
	AssignmentsFile    = "assignments.csv"
	RequestsFile       = "requests.csv"
	CertificationsFile = "certifications.csv"
	SoDRulesFile       = "sod_rules.csv"

	GroundTruthDir   = "ground_truth"
	PlantedRolesFile = "ground_truth/planted_roles.csv"
	RoleMembersFile  = "ground_truth/planted_role_members.csv"
	DuplicatesFile   = "ground_truth/duplicates.csv"
	NoiseFile        = "ground_truth/noise_assignments.csv"
	DecisionsFile    = "ground_truth/decisions.csv"
	OutliersFile     = "ground_truth/outliers.csv"
)

// headers of every file, in the order files are listed in a Summary.
var headers = []struct {
	name   string
	header []string
}{
	{IdentitiesFile, []string{"identity_id", "display_name", "email", "kind", "status", "department", "title",
		"location", "manager_id", "owner_id", "employment_type", "hire_date", "termination_date", "cost_center", "division"}},
	{AccountsFile, []string{"account_id", "identity_id", "application", "username", "created_at", "last_login_at", "credential_rotated_at"}},
	{EntitlementsFile, []string{"entitlement_id", "application", "name", "risk", "privileged", "owner_id"}},
	{AssignmentsFile, []string{"identity_id", "entitlement_id", "granted_at", "source", "last_used_at"}},
	{RequestsFile, []string{"request_id", "identity_id", "entitlement_id", "requested_at", "decided_at", "decision", "decided_by", "revoked_at"}},
	{CertificationsFile, []string{"identity_id", "entitlement_id", "campaign", "certified_at", "decision", "reviewer_id"}},
	{SoDRulesFile, []string{"rule_id", "entitlement_a", "entitlement_b", "severity"}},
	{PlantedRolesFile, []string{"role_id", "kind", "entitlement_id", "rule"}},
	{RoleMembersFile, []string{"role_id", "identity_id"}},
	{DuplicatesFile, []string{"identity_a", "identity_b"}},
	{NoiseFile, []string{"identity_id", "entitlement_id", "kind", "cause"}},
	{DecisionsFile, []string{"request_id", "decision", "true_decision", "reviewer_noise", "approve_probability", "scenario"}},
	{OutliersFile, []string{"identity_id", "kind", "detail"}},
}

// Generate builds the enterprise described by opts and writes its files
// into dir, creating dir and dir/ground_truth when needed and overwriting
// files of the same names. On error some files may be left written.
func Generate(opts Options, dir string) (Summary, error) {
	o, err := opts.normalize()
	if err != nil {
		return Summary{}, err
	}
	if err := os.MkdirAll(filepath.Join(dir, GroundTruthDir), 0o755); err != nil {
		return Summary{}, fmt.Errorf("synth: %w", err)
	}
	files := make(map[string]*csvFile, len(headers))
	closeAll := func() error {
		var first error
		for _, h := range headers {
			if f := files[h.name]; f != nil {
				if err := f.close(); err != nil && first == nil {
					first = err
				}
			}
		}
		return first
	}
	for _, h := range headers {
		f, err := createCSV(dir, h.name, h.header)
		if err != nil {
			closeAll()
			return Summary{}, err
		}
		files[h.name] = f
	}

	g := newGen(o)
	g.writeIdentities(files[IdentitiesFile])
	g.writeEntitlements(files[EntitlementsFile])
	g.writeSoD(files[SoDRulesFile])
	g.writePlantedRoles(files[PlantedRolesFile])
	w := g.newPass()
	w.accounts, w.assignments = files[AccountsFile], files[AssignmentsFile]
	w.certs, w.noise = files[CertificationsFile], files[NoiseFile]
	for _, i := range g.order {
		w.person(i)
	}
	g.writeRequests(w.requests, files[RequestsFile], files[DecisionsFile])
	g.writeMembers(w.members, files[RoleMembersFile])
	g.writeDuplicates(files[DuplicatesFile])
	g.writeOutliers(w.outliers, files[OutliersFile])
	if err := closeAll(); err != nil {
		return Summary{}, err
	}
	s := Summary{Dir: dir}
	for _, h := range headers {
		s.Files = append(s.Files, FileRows{Name: h.name, Rows: files[h.name].rows})
	}
	return s, nil
}

func (g *gen) writeIdentities(c *csvFile) {
	r := rand.New(rand.NewPCG(uint64(g.o.Seed), 0x1d))
	for _, i := range g.order {
		p := &g.people[i]
		c.id("I", int(p.id), g.idW)
		c.str(p.display)
		c.str(p.email)
		c.raw(kindNames[p.kind])
		c.raw(statusNames[p.status])
		dept, division := "", ""
		if p.dept >= 0 {
			dept, division = g.depts[p.dept].spec.name, g.depts[p.dept].spec.division
		}
		c.str(dept)
		if p.job >= 0 {
			c.str(g.jobs[p.job].title)
		} else {
			c.str("")
		}
		if p.loc >= 0 {
			c.str(g.locs[p.loc])
		} else {
			c.str("")
		}
		g.personID(c, p.manager)
		g.personID(c, p.owner)
		c.str(empNames[p.emp])
		c.time(p.hire)
		c.time(p.term)
		if p.kind == kindHuman && r.Float64() >= 0.02 {
			c.id("CC", (int(p.dept)+1)*100+int(p.loc), 4)
		} else {
			c.str("")
		}
		c.str(division)
		c.end()
	}
}

// personID appends the identity id of person i, or an empty field for -1.
func (g *gen) personID(c *csvFile, i int32) {
	if i < 0 {
		c.str("")
		return
	}
	c.id("I", int(g.people[i].id), g.idW)
}

func (g *gen) writeEntitlements(c *csvFile) {
	for i := range g.ents {
		e := &g.ents[i]
		c.id("E", i, g.entW)
		c.str(g.apps[e.app].slug)
		c.str(e.name)
		c.str(riskNames[e.risk])
		c.bool(e.priv)
		g.personID(c, e.owner)
		c.end()
	}
}

func (g *gen) writeSoD(c *csvFile) {
	for k, s := range g.sod {
		c.str(sodID(k))
		c.id("E", int(s.a), g.entW)
		c.id("E", int(s.b), g.entW)
		c.str(riskNames[s.severity])
		c.end()
	}
}

func (g *gen) writePlantedRoles(c *csvFile) {
	for _, rl := range g.roles {
		for _, e := range rl.ents {
			c.raw(rl.id)
			c.raw(roleKindNames[rl.kind])
			c.id("E", int(e), g.entW)
			c.str(rl.rule)
			c.end()
		}
	}
}

// writeRequests writes the requests in time order, numbering them in that
// order, and their ground truth.
func (g *gen) writeRequests(reqs []request, c, truth *csvFile) {
	slices.SortFunc(reqs, func(a, b request) int {
		return cmp.Or(cmp.Compare(a.requested, b.requested), cmp.Compare(a.person, b.person), cmp.Compare(a.seq, b.seq))
	})
	w := digits(len(reqs)+1, 7)
	for k := range reqs {
		q := &reqs[k]
		c.id("R", k+1, w)
		c.id("I", int(g.people[q.person].id), g.idW)
		c.id("E", int(q.ent), g.entW)
		c.time(q.requested)
		c.time(q.decided)
		c.raw(decisionNames[q.decision])
		g.personID(c, q.by)
		c.time(q.revoked)
		c.end()

		truth.id("R", k+1, w)
		truth.raw(decisionNames[q.decision])
		truth.raw(decisionNames[q.truth])
		truth.bool(q.noise)
		truth.float(float64(q.prob))
		truth.raw(scenarioNames[q.scenario])
		truth.end()
	}
}

func (g *gen) writeMembers(ms [][2]int32, c *csvFile) {
	slices.SortFunc(ms, func(a, b [2]int32) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	for _, m := range ms {
		c.raw(g.roles[m[0]].id)
		c.id("I", int(m[1]), g.idW)
		c.end()
	}
}

func (g *gen) writeDuplicates(c *csvFile) {
	var pairs [][2]int32
	for i := range g.people {
		if p := &g.people[i]; p.flags&fDuplicate != 0 {
			a, b := g.people[p.dupOf].id, p.id
			pairs = append(pairs, [2]int32{min(a, b), max(a, b)})
		}
	}
	slices.SortFunc(pairs, func(a, b [2]int32) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	for _, pr := range pairs {
		c.id("I", int(pr[0]), g.idW)
		c.id("I", int(pr[1]), g.idW)
		c.end()
	}
}

func (g *gen) writeOutliers(outs []outlier, c *csvFile) {
	for _, o := range outs {
		c.id("I", int(g.people[o.person].id), g.idW)
		c.str(o.kind)
		c.str(o.detail)
		c.end()
	}
}
