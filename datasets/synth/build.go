package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Mean planted role sizes in entitlements before scaling to the catalogue.
const (
	sizeAll        = 12
	sizeDept       = 14
	sizeLoc        = 6
	sizeContractor = 6
	sizeManager    = 6
	sizeCross      = 10
	sizeService    = 8
	sizeJob        = 26

	roleShare  = 0.7  // share of the catalogue the planted roles may use
	crossRate  = 0.6  // chance that a member of a cross role's job holds it
	managerFan = 7    // direct reports per manager
	maxJobs    = 2000 // distinct department × title pairs
	leaverKeep = 0.35 // share of leavers whose access was never removed
	moverRate  = 0.01 // share of humans who kept a previous job's access
)

// shape is the size of each part of the organisation.
type shape struct {
	humans, dups, nonHumans            int
	jobs, depts, locs, cross, services int
	scale                              float64 // role size factor, < 1 when the catalogue is small
}

func (s shape) need() float64 {
	return sizeAll + sizeContractor + sizeManager + float64(s.depts*sizeDept+s.locs*sizeLoc+
		s.cross*sizeCross+s.services*sizeService+s.jobs*sizeJob)
}

// shapeOf sizes the organisation: about 40 people per job at most, as many
// jobs as the catalogue can give distinct roles, departments growing with
// the square root of the jobs.
func shapeOf(o Options) shape {
	n := o.Identities
	s := shape{nonHumans: round(float64(n) * o.NonHuman), dups: round(float64(n) * o.Duplicates)}
	s.humans = n - s.nonHumans - s.dups
	s.locs = min(max(round(math.Sqrt(float64(s.humans))/8), 2), len(locationNames))
	budget := roleShare * float64(o.Entitlements)
	s.jobs = min(max(2, s.humans/40), maxJobs)
	for {
		s.depts = min(max(round(1.2*math.Sqrt(float64(s.jobs))), 1), s.jobs/2, len(deptSpecs))
		s.cross = max(1, round(float64(s.jobs)/10))
		if s.nonHumans > 0 {
			s.services = min(max(1, s.nonHumans/40), max(1, round(0.05*float64(o.Entitlements)/sizeService)))
		}
		if s.need() <= budget || s.jobs == 2 {
			break
		}
		s.jobs = max(2, s.jobs*19/20)
	}
	s.jobs = min(s.jobs, titleCapacity(s.depts))
	s.scale = min(1, budget/s.need())
	return s
}

// titleCapacity is the number of distinct job titles (areas × functions)
// the first depts departments have.
func titleCapacity(depts int) int {
	n := 0
	for d := range depts {
		n += len(deptSpecs[d].areas) * len(jobFunctions)
	}
	return n
}

func newGen(o Options) *gen {
	g := &gen{
		o:     o,
		now:   o.Now.Unix(),
		r:     rand.New(rand.NewPCG(uint64(o.Seed), 0x5e7_0e5)),
		idW:   digits(o.Identities, 6),
		entW:  digits(o.Entitlements, 5),
		sodOf: map[int32][]int32{},
	}
	s := shapeOf(o)
	g.buildJobs(s)
	g.buildCatalog(s)
	g.buildHumans(s)
	g.buildDuplicates(s)
	g.buildNonHumans(s)
	g.buildMemberships(s)
	g.assignOwners()
	g.buildSoD()
	g.buildCampaigns()
	perm := g.r.Perm(len(g.people))
	g.order = make([]int32, len(g.people))
	for i, id := range perm {
		g.people[i].id = int32(id)
		g.order[id] = int32(i)
	}
	return g
}

// buildJobs lays out departments, their job titles and the locations.
func (g *gen) buildJobs(s shape) {
	r := g.r
	perDept := split(s.jobs, lognormals(r, s.depts, 0.6), 2)
	// A department has at most areas × functions titles: what it cannot
	// hold moves on to the next, round the departments until all fit
	// (shapeOf keeps s.jobs within titleCapacity, so this ends).
	for moved := true; moved; {
		moved = false
		for d := range perDept {
			capacity := len(deptSpecs[d].areas) * len(jobFunctions)
			if over := perDept[d] - capacity; over > 0 {
				perDept[d] = capacity
				perDept[(d+1)%len(perDept)] += over
				moved = true
			}
		}
	}
	g.depts = make([]department, s.depts)
	for d := range g.depts {
		spec := &deptSpecs[d]
		g.depts[d].spec = spec
		var titles []string
		for _, a := range spec.areas {
			for _, f := range jobFunctions {
				titles = append(titles, a+" "+f)
			}
		}
		r.Shuffle(len(titles), func(i, j int) { titles[i], titles[j] = titles[j], titles[i] })
		for _, t := range titles[:perDept[d]] {
			g.depts[d].jobs = append(g.depts[d].jobs, int32(len(g.jobs)))
			g.jobs = append(g.jobs, job{dept: int32(d), title: t})
		}
	}
	g.locs = locationNames[:s.locs]
}

// buildCatalog spreads the entitlements over applications, carves the
// planted roles out of them (pairwise disjoint), leaves the rest as
// one-off access and names each entitlement after its risk.
func (g *gen) buildCatalog(s shape) {
	free := g.buildApps()
	g.buildRoles(s, free)
	for a := range free {
		g.loose = append(g.loose, free[a]...)
	}
	slices.Sort(g.loose)
	pop := make([]float64, len(g.loose))
	for i, rank := range g.r.Perm(len(g.loose)) {
		pop[i] = 1 / math.Pow(float64(rank+1), 0.8)
	}
	g.looseCum = cumulative(pop)
	g.nameEntitlements()
}

// buildApps gives each application a block of entitlements and returns
// each application's entitlements in random order.
func (g *gen) buildApps() (free [][]int32) {
	r := g.r
	sizes := split(g.o.Entitlements, lognormals(r, g.o.Applications, 0.7), 5)
	g.ents = make([]entitlement, g.o.Entitlements)
	free = make([][]int32, len(sizes))
	first := int32(0)
	for a, n := range sizes {
		spec := appSpec{fmt.Sprintf("app-%03d", a+1), fmt.Sprintf("A%03d", a+1)}
		if a < len(appSpecs) {
			spec = appSpecs[a]
		}
		g.apps = append(g.apps, application{slug: spec.slug, abbr: spec.abbr, style: r.IntN(4)})
		for i := first; i < first+int32(n); i++ {
			g.ents[i] = entitlement{app: int32(a), role: -1, owner: -1}
			free[a] = append(free[a], i)
		}
		r.Shuffle(n, func(i, j int) { free[a][i], free[a][j] = free[a][j], free[a][i] })
		first += int32(n)
	}
	return free
}

// addRole creates a planted role of n entitlements taken from free.
func (g *gen) addRole(free [][]int32, kind uint8, id, rule string, n int) int32 {
	g.roles = append(g.roles, role{id: id, rule: rule, kind: kind, ents: g.take(free, n)})
	ri := int32(len(g.roles) - 1)
	for _, x := range g.roles[ri].ents {
		g.ents[x].role = ri
	}
	return ri
}

// buildRoles plants the roles: birthrights of all humans, contractors,
// departments (when there are several) and locations; people managers;
// one job role per department and title; cross-cutting roles over a few
// jobs; service roles.
func (g *gen) buildRoles(s shape, free [][]int32) {
	r := g.r
	size := func(lo, hi int) int { return max(3, round(float64(lo+r.IntN(hi-lo+1))*s.scale)) }
	g.roleAll = g.addRole(free, rkBirthright, "br-all", "kind=human", size(10, 14))
	g.roleContr = g.addRole(free, rkBirthright, "br-contractor", "employment_type=contractor", size(5, 7))
	g.roleMgr = g.addRole(free, rkCross, "cr-manager", "has direct reports", size(5, 8))
	if len(g.depts) > 1 { // else the department's birthright would be that of all humans
		w := digits(len(g.depts)+1, 2)
		for d := range g.depts {
			g.roleDept = append(g.roleDept, g.addRole(free, rkBirthright, "br-dept-"+pad(d+1, w),
				"department="+g.depts[d].spec.name, size(8, 20)))
		}
	}
	w := digits(len(g.locs)+1, 2)
	for l, name := range g.locs {
		g.roleLoc = append(g.roleLoc, g.addRole(free, rkBirthright, "br-loc-"+pad(l+1, w), "location="+name, size(5, 8)))
	}
	w = digits(len(g.jobs)+1, 3)
	for j, jb := range g.jobs {
		n := min(max(round(24*math.Exp(0.45*r.NormFloat64())), 8), 40)
		g.roleJob = append(g.roleJob, g.addRole(free, rkJob, "job-"+pad(j+1, w),
			"department="+g.depts[jb.dept].spec.name+";title="+jb.title, max(3, round(float64(n)*s.scale))))
	}
	w = digits(s.cross+1, 2)
	for c := range s.cross {
		jobs := r.Perm(len(g.jobs))[:min(2+r.IntN(3), len(g.jobs))]
		slices.Sort(jobs)
		cj := make([]int32, len(jobs))
		names := make([]string, len(jobs))
		for k, j := range jobs {
			cj[k], names[k] = int32(j), g.roles[g.roleJob[j]].id
		}
		g.crossJobs = append(g.crossJobs, cj)
		g.addRole(free, rkCross, "cr-"+pad(c+1, w), fmt.Sprintf("%.0f%% of %s", crossRate*100, strings.Join(names, ",")), size(5, 15))
	}
	w = digits(s.services+1, 2)
	for v := range s.services {
		g.addRole(free, rkService, "svc-"+pad(v+1, w), "service group "+strconv.Itoa(v+1), size(5, 12))
	}
}

func pad(n, width int) string { return string(appendID(nil, "", n, width)) }

// take removes n entitlements from the free lists, drawn from one to three
// applications chosen in proportion to what they have left.
func (g *gen) take(free [][]int32, n int) []int32 {
	out := make([]int32, 0, n)
	homes := 1 + g.r.IntN(3)
	for h := 0; len(out) < n; h++ {
		a := g.pickApp(free)
		if a < 0 {
			break
		}
		want := n - len(out)
		if h < homes-1 {
			want = max(1, want/(homes-h))
		}
		k := min(want, len(free[a]))
		out = append(out, free[a][len(free[a])-k:]...)
		free[a] = free[a][:len(free[a])-k]
	}
	slices.Sort(out)
	return out
}

func (g *gen) pickApp(free [][]int32) int {
	total := 0
	for _, f := range free {
		total += len(f)
	}
	if total == 0 {
		return -1
	}
	u := g.r.IntN(total)
	for a, f := range free {
		if u < len(f) {
			return a
		}
		u -= len(f)
	}
	panic("synth: unreachable")
}

// riskWeights are the chances of each risk tier by role kind; the last row
// is for one-off entitlements.
var riskWeights = [...][4]float64{
	rkBirthright: {0.85, 0.15, 0, 0},
	rkJob:        {0.40, 0.35, 0.18, 0.07},
	rkCross:      {0.30, 0.40, 0.20, 0.10},
	rkService:    {0.20, 0.30, 0.30, 0.20},
	4:            {0.50, 0.30, 0.15, 0.05},
}

var privRate = [4]float64{0, 0.03, 0.25, 0.7}

func (g *gen) nameEntitlements() {
	r := g.r
	seen := map[string]int{}
	for i := range g.ents {
		e := &g.ents[i]
		kind := 4
		if e.role >= 0 {
			kind = int(g.roles[e.role].kind)
		}
		u, t := r.Float64(), 0
		for t < 3 && u >= riskWeights[kind][t] {
			u -= riskWeights[kind][t]
			t++
		}
		e.risk = uint8(t)
		e.priv = kind != int(rkBirthright) && r.Float64() < privRate[t]
		acts := actionsByRisk[t]
		if e.priv {
			acts = privilegedActions
		}
		app := &g.apps[e.app]
		name := entName(app, resources[r.IntN(len(resources))], acts[r.IntN(len(acts))])
		key := app.abbr + "\x00" + name
		if n := seen[key]; n > 0 {
			seen[key] = n + 1
			name += [...]string{"_", "-", ":", " "}[app.style] + strconv.Itoa(n+1)
		} else {
			seen[key] = 1
		}
		e.name = name
		if e.priv {
			g.privileged = append(g.privileged, int32(i))
		}
	}
}

// entName spells resource and action in the naming style of app.
func entName(app *application, res, act string) string {
	title := func(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
	switch app.style {
	case 0:
		return "Z_" + app.abbr + "_" + strings.ToUpper(res) + "_" + strings.ToUpper(strings.ReplaceAll(act, "-", "_"))
	case 1:
		return "GRP-" + app.abbr + "-" + title(res) + "-" + title(act)
	case 2:
		return res + ":" + act
	}
	return title(res) + " " + title(strings.ReplaceAll(act, "-", " "))
}

// buildHumans creates the primary humans job by job, then the manager
// tree of each department, who has left or is about to, and the movers.
func (g *gen) buildHumans(s shape) {
	r := g.r
	members := split(s.humans, g.jobWeights(), 10)
	locW := make([]float64, len(g.locs))
	for i := range locW {
		locW[i] = 1 / math.Pow(float64(i+1), 0.9)
	}
	locCum := cumulative(locW)
	g.emails, g.logins = newUniqueNames(), newUniqueNames()
	g.people = make([]person, 0, g.o.Identities)
	for j := range g.jobs {
		g.jobs[j].first = int32(len(g.people))
		g.jobs[j].count = int32(members[j])
		for range members[j] {
			g.people = append(g.people, g.newHuman(int32(j), int16(pickCum(r, locCum))))
		}
	}
	g.humans = len(g.people)
	ceo := g.buildManagers()
	g.assignStatuses(ceo)
	g.pickMovers(ceo)
}

// jobWeights draws the relative sizes of the jobs. No job is more than half
// of its department, so that a department's birthright role and its jobs'
// roles have clearly different members.
func (g *gen) jobWeights() []float64 {
	w := lognormals(g.r, len(g.jobs), 0.8)
	for _, d := range g.depts {
		big, sum := d.jobs[0], 0.0
		for _, j := range d.jobs {
			sum += w[j]
			if w[j] > w[big] {
				big = j
			}
		}
		w[big] = min(w[big], sum-w[big])
	}
	return w
}

// newHuman draws an active human of job j at location loc.
func (g *gen) newHuman(j int32, loc int16) person {
	r := g.r
	p := person{kind: kindHuman, dept: int16(g.jobs[j].dept), job: j, loc: loc,
		prevJob: -1, manager: -1, owner: -1, dupOf: -1, svc: -1}
	switch u := r.Float64(); {
	case u < 0.85:
		p.emp = empEmployee
	case u < 0.97:
		p.emp = empContractor
	default:
		p.emp = empIntern
	}
	tenure := min(int64(r.ExpFloat64()*5*year)+7*day, 35*year)
	if p.emp == empIntern {
		tenure = uniform(r, 7*day, year)
	}
	p.hire = (g.now - tenure) / day * day
	p.first, p.last = firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
	p.display = p.first + " " + p.last
	p.email = uniqueEmail(g.emails, emailLocal(p.first, p.last), "corp.example")
	p.login = uniqueName(g.logins, shortLogin(p.first, p.last))
	p.upper = uniqueName(g.logins, strings.ToUpper(emailLocal(p.first, p.last)))
	return p
}

// buildManagers shuffles each department into a tree of managerFan
// reports per manager under a department head; the heads report to the
// head of the first department, who is returned.
func (g *gen) buildManagers() (ceo int32) {
	r := g.r
	for d := range g.depts {
		var ms []int32
		for _, j := range g.depts[d].jobs {
			for k := range g.jobs[j].count {
				ms = append(ms, g.jobs[j].first+k)
			}
		}
		r.Shuffle(len(ms), func(a, b int) { ms[a], ms[b] = ms[b], ms[a] })
		g.depts[d].head, g.depts[d].members = ms[0], ms
		for i := 1; i < len(ms); i++ {
			m := ms[(i-1)/managerFan]
			g.people[ms[i]].manager = m
			g.people[m].flags |= fManager
		}
	}
	ceo = g.depts[0].head
	for d := 1; d < len(g.depts); d++ {
		g.people[g.depts[d].head].manager = ceo
		g.people[ceo].flags |= fManager
	}
	return ceo
}

// assignStatuses makes some humans leavers (a share leaverKeep of them
// keeping their access), on leave, suspended or leaving soon.
func (g *gen) assignStatuses(ceo int32) {
	r := g.r
	for i := range g.people {
		p := &g.people[i]
		if int32(i) == ceo {
			continue
		}
		switch u := r.Float64(); {
		case u < g.o.Terminated:
			p.status = stTerminated
			if p.hire > g.now-60*day {
				p.hire = (g.now - 60*day - uniform(r, 0, 3*year)) / day * day
			}
			p.term = uniform(r, max(p.hire+30*day, g.now-history), g.now-day)
			if r.Float64() >= leaverKeep {
				p.flags |= fDeprovisioned
			}
		case u < g.o.Terminated+0.015:
			p.status = stLeave
		case u < g.o.Terminated+0.02:
			p.status = stSuspended
		case u < g.o.Terminated+0.025:
			p.term = uniform(r, g.now+day, g.now+45*day) // leaving soon
		}
	}
}

// pickMovers makes some active humans movers who kept the access of a
// previous job, in their department or elsewhere.
func (g *gen) pickMovers(ceo int32) {
	r := g.r
	if len(g.jobs) < 2 {
		return
	}
	for i := range g.people {
		p := &g.people[i]
		if p.status != stActive || int32(i) == ceo || r.Float64() >= moverRate {
			continue
		}
		p.prevJob = g.peerJob(r, p.job)
		if k := g.jobElsewhere(r, p.dept); p.prevJob < 0 || r.Float64() < 0.4 && k != p.job {
			p.prevJob = k
		}
		if p.prevJob == p.job {
			p.prevJob = -1
		}
		if p.prevJob >= 0 {
			p.flags |= fMover
		}
	}
}

// otherJob returns a job other than j, in j's department when sameDept and
// the department has another job.
func (g *gen) otherJob(r *rand.Rand, j int32, sameDept bool) int32 {
	jobs := g.depts[g.jobs[j].dept].jobs
	if !sameDept || len(jobs) < 2 {
		k := int32(r.IntN(len(g.jobs) - 1))
		if k >= j {
			k++
		}
		return k
	}
	for {
		if k := jobs[r.IntN(len(jobs))]; k != j {
			return k
		}
	}
}

// peerJob returns the job of a random colleague of a holder of job j who
// has another job in j's department, so bigger jobs are likelier; -1 when
// the department has no other job.
func (g *gen) peerJob(r *rand.Rand, j int32) int32 {
	d := &g.depts[g.jobs[j].dept]
	if len(d.jobs) < 2 {
		return -1
	}
	for {
		if k := g.people[d.members[r.IntN(len(d.members))]].job; k != j {
			return k
		}
	}
}

// jobElsewhere returns the job of a random human outside department dept,
// or of anyone when there is a single department.
func (g *gen) jobElsewhere(r *rand.Rand, dept int16) int32 {
	for {
		p := &g.people[r.IntN(g.humans)]
		if len(g.depts) == 1 || p.dept != dept {
			return p.job
		}
	}
}

// uniqueEmail returns local@domain, or local2@domain, local3@domain … when
// taken.
func uniqueEmail(seen *uniqueNames, local, domain string) string {
	return seen.get(local+"@"+domain, func(n int) string { return local + strconv.Itoa(n) + "@" + domain })
}

// uniqueName returns name, or name2, name3 … when taken.
func uniqueName(seen *uniqueNames, name string) string {
	return seen.get(name, func(n int) string { return name + strconv.Itoa(n) })
}

// uniqueNames hands out names no earlier call handed out.
type uniqueNames struct {
	taken map[string]bool
	// next is, per base name, the suffix after the last one handed out for
	// it. Every suffix below it was taken then and still is (taken only
	// grows), so probing from next returns what probing from 2 would, in
	// time linear in the names handed out rather than quadratic.
	next map[string]int
}

func newUniqueNames() *uniqueNames {
	return &uniqueNames{taken: map[string]bool{}, next: map[string]int{}}
}

// get returns base when not taken, or else suffixed(n) for the lowest n ≥ 2
// not taken, and marks it taken.
func (u *uniqueNames) get(base string, suffixed func(n int) string) string {
	if !u.taken[base] {
		u.taken[base] = true
		return base
	}
	n := max(2, u.next[base])
	name := suffixed(n)
	for ; u.taken[name]; name = suffixed(n) {
		n++
	}
	u.taken[name], u.next[base] = true, n+1
	return name
}

// shortLogin is a login name of at most 12 letters: initial and last name.
func shortLogin(first, last string) string {
	f, _ := firstRune(first)
	s := emailLocal(f + last)
	return s[:min(len(s), 12)]
}

// buildDuplicates gives some active humans a second identity: a contractor
// record that predates their employment, or an identity created twice.
func (g *gen) buildDuplicates(s shape) {
	r := g.r
	var cand []int32
	for i := range g.humans {
		if p := &g.people[i]; p.status == stActive && p.manager >= 0 && p.term == 0 {
			cand = append(cand, int32(i))
		}
	}
	r.Shuffle(len(cand), func(a, b int) { cand[a], cand[b] = cand[b], cand[a] })
	for _, o := range cand[:min(s.dups, len(cand))] {
		orig := &g.people[o]
		p := *orig
		p.flags, p.prevJob, p.dupOf = fDuplicate, -1, o
		display, variant, emailFirst := nameVariant(r, orig.first, orig.last)
		p.display, p.variant, p.first = display, uint8(variant), emailFirst
		p.login = uniqueName(g.logins, shortLogin(emailFirst, orig.last))
		p.upper = uniqueName(g.logins, strings.ToUpper(emailLocal(emailFirst, orig.last)))
		if r.Float64() < 0.5 { // contractor record before being hired
			p.emp = empContractor
			p.hire = max(orig.hire-uniform(r, 30*day, 2*year), g.now-35*year) / day * day
			if r.Float64() < 0.3 {
				p.status = stTerminated
				p.term = min(max(p.hire+30*day, orig.hire-uniform(r, day, 30*day)), g.now-day)
				if r.Float64() < 0.5 {
					p.flags |= fDeprovisioned
				}
			}
		} else {
			p.hire = min(orig.hire+uniform(r, 0, 30*day), g.now-day) / day * day
		}
		switch r.IntN(5) {
		case 0:
			f, _ := firstRune(orig.first)
			p.email = uniqueEmail(g.emails, emailLocal(f+orig.last), "corp.example")
		case 1:
			p.email = uniqueEmail(g.emails, emailLocal(orig.first, orig.last), "ext.corp.example")
		case 2:
			p.email = uniqueEmail(g.emails, emailLocal(emailFirst, orig.last), "corp.example")
		case 3:
			p.email = ""
		default:
			p.email = uniqueEmail(g.emails, emailLocal(emailFirst, orig.last)+strconv.Itoa(1+r.IntN(9)), "corp.example")
		}
		g.people = append(g.people, p)
	}
}

func firstRune(s string) (string, int) {
	for _, c := range s {
		return string(c), len(string(c))
	}
	return "", 0
}

// buildNonHumans creates service accounts and bots, each in one service
// role, most owned by a human.
func (g *gen) buildNonHumans(s shape) {
	r := g.r
	n := g.o.Identities - len(g.people)
	var active, left []int32
	for i := range g.humans {
		if g.people[i].status == stTerminated {
			left = append(left, int32(i))
		} else {
			active = append(active, int32(i))
		}
	}
	svcRoles := make([]int32, 0, s.services)
	for ri, rl := range g.roles {
		if rl.kind == rkService {
			svcRoles = append(svcRoles, int32(ri))
		}
	}
	names := map[string]int{}
	for i := range n {
		p := person{kind: kindService, emp: empNone, dept: -1, loc: -1, job: -1, prevJob: -1,
			manager: -1, owner: -1, dupOf: -1, svc: svcRoles[i%len(svcRoles)]}
		if r.Float64() < 0.3 {
			p.kind = kindBot
		}
		switch u := r.Float64(); {
		case u < 0.8:
			p.owner = active[r.IntN(len(active))]
		case u < 0.88 && len(left) > 0:
			p.owner = left[r.IntN(len(left))]
		}
		if p.owner >= 0 {
			p.dept = g.people[p.owner].dept
		}
		app := g.apps[g.ents[g.roles[p.svc].ents[0]].app].slug
		base := "svc-" + app + "-" + nonHumanPurposes[r.IntN(len(nonHumanPurposes))]
		if p.kind == kindBot {
			base = "bot-" + nonHumanPurposes[r.IntN(len(nonHumanPurposes))]
		}
		names[base]++
		p.display = base + "-" + pad(names[base], 2)
		p.first, p.last, p.login, p.upper = p.display, "", p.display, p.display
		p.hire = uniform(r, g.now-8*year, g.now-30*day)
		if r.Float64() < 0.07 {
			p.status = stSuspended
		}
		g.people = append(g.people, p)
	}
}

// buildMemberships draws which members of a cross role's jobs hold it.
func (g *gen) buildMemberships(s shape) {
	r := g.r
	jobCross := make([][]int32, len(g.jobs))
	for c, jobs := range g.crossJobs {
		for _, j := range jobs {
			jobCross[j] = append(jobCross[j], int32(c))
		}
	}
	firstCross := int32(0)
	for ri, rl := range g.roles {
		if rl.kind == rkCross && rl.id != "cr-manager" {
			firstCross = int32(ri)
			break
		}
	}
	g.crossOff = make([]int32, len(g.people)+1)
	for i := range g.people {
		g.crossOff[i] = int32(len(g.crossList))
		if p := &g.people[i]; i < g.humans {
			for _, c := range jobCross[p.job] {
				if r.Float64() < crossRate {
					g.crossList = append(g.crossList, firstCross+c)
				}
			}
		}
	}
	g.crossOff[len(g.people)] = int32(len(g.crossList))
}

// assignOwners gives entitlements owners: mostly active managers, a few
// leavers, some none.
func (g *gen) assignOwners() {
	r := g.r
	var managers, left []int32
	for i := range g.humans {
		p := &g.people[i]
		switch {
		case p.status == stTerminated:
			left = append(left, int32(i))
		case p.flags&fManager != 0:
			managers = append(managers, int32(i))
		}
	}
	for i := range g.ents {
		switch u := r.Float64(); {
		case u < 0.85 && len(managers) > 0:
			g.ents[i].owner = managers[r.IntN(len(managers))]
		case u < 0.88 && len(left) > 0:
			g.ents[i].owner = left[r.IntN(len(left))]
		}
	}
}

// buildSoD pairs entitlements of two different jobs, mostly of one
// department, as toxic combinations, and plants a few current violations.
func (g *gen) buildSoD() {
	r := g.r
	want := max(3, g.o.Entitlements/100)
	pick := func(j int32) int32 { // prefer the riskiest of three draws
		ents := g.roles[g.roleJob[j]].ents
		best := ents[r.IntN(len(ents))]
		for range 2 {
			if e := ents[r.IntN(len(ents))]; g.ents[e].risk > g.ents[best].risk {
				best = e
			}
		}
		return best
	}
	seen := map[[2]int32]bool{}
	for tries := 0; len(g.sod) < want && tries < 20*want; tries++ {
		j1 := int32(r.IntN(len(g.jobs)))
		j2 := g.otherJob(r, j1, r.Float64() < 0.8)
		a, b := pick(j1), pick(j2)
		if seen[[2]int32{a, b}] || seen[[2]int32{b, a}] {
			continue
		}
		seen[[2]int32{a, b}] = true
		sev := max(g.ents[a].risk, g.ents[b].risk, riskMedium)
		k := int32(len(g.sod))
		g.sod = append(g.sod, sodRule{a: a, b: b, severity: sev})
		g.sodOf[a] = append(g.sodOf[a], k)
		g.sodOf[b] = append(g.sodOf[b], k)
	}
	g.sodPlant = map[int32][]int32{}
	for range max(2, len(g.sod)/4) {
		k := int32(r.IntN(len(g.sod)))
		jb := g.jobs[g.jobOfRole(g.ents[g.sod[k].a].role)]
		p := jb.first + int32(r.IntN(int(jb.count)))
		if pp := &g.people[p]; pp.flags&fDeprovisioned == 0 && !slices.Contains(g.sodPlant[p], k) {
			g.sodPlant[p] = append(g.sodPlant[p], k)
		}
	}
}

func (g *gen) jobOfRole(ri int32) int32 {
	for j, x := range g.roleJob {
		if x == ri {
			return int32(j)
		}
	}
	panic("synth: role " + g.roles[ri].id + " is no job role")
}

// buildCampaigns plans four half-yearly access reviews, the last one three
// months before Now.
func (g *gen) buildCampaigns() {
	for i, months := range []int{-21, -15, -9, -3} {
		t := g.o.Now.AddDate(0, months, 0)
		g.campaigns = append(g.campaigns, campaign{
			name: fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1),
			at:   t.Unix(),
			apps: (i * 3) % campaignStride,
		})
	}
}
