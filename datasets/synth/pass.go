package synth

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Request scenarios, indexing scenarioNames.
const (
	scRoleFit    uint8 = iota // an entitlement of the requester's planted roles
	scPeer                    // held by another job of the requester's department
	scOneOff                  // one-off access outside every role
	scOutlier                 // an entitlement of another department's job
	scPrivileged              // a privileged entitlement
	scSoD                     // completes a toxic pair with something held
	numScenarios
)

var scenarioNames = [numScenarios]string{"role_fit", "peer", "one_off", "outlier", "privileged", "sod_conflict"}

// scenarioMix are the chances of each scenario for a human's decided
// requests, a human's pending requests and a non-human's requests.
var scenarioMix = [3][numScenarios]float64{
	{0.50, 0.15, 0.18, 0.10, 0.04, 0.03},
	{0.30, 0.15, 0.15, 0.15, 0.13, 0.12},
	{0.50, 0, 0.25, 0.15, 0.10, 0},
}

// The approval policy: logit of approval = scenario score − risk penalty
// − 0.8 if privileged − 0.3 for a non-human requester − 2.5 for an SoD
// conflict − 4 for a requester who has left.
var (
	// A standard request (the entitlement fits the requester's role) for
	// low-risk access is approved about 997 times in 1,000, as in a
	// well-run organisation; risk, privilege and conflicts lower that.
	scenarioScore = [numScenarios]float64{5.8, 1.2, 1.0, -1.2, -1.2, -1.0}
	riskPenalty   = [4]float64{0, 0.8, 2.2, 3.2}
)

// Request decisions, indexing decisionNames.
const (
	decApproved uint8 = iota
	decDenied
	decPending
)

var decisionNames = [...]string{"approved", "denied", "pending"}

// Causes of a deviation from the planted roles, indexing causeNames.
const (
	causeNone uint8 = iota
	causeRandom
	causeRequest
	causeSoD
	causeMover
	causeDuplicate
)

var causeNames = [...]string{"", "random", "request", "sod_violation", "mover", "duplicate"}

const (
	rollbackRate  = 0.12 // approved one-off requests revoked later
	neverUsedRole = 0.10 // role grants never used
	neverUsedXtra = 0.35 // extra grants never used
	dupAccount    = 0.01 // a human's second account in one application
	orphanAccount = 0.004
	certRevoke    = 0.3 // missing role grants revoked at a review
)

type request struct {
	person, ent, by             int32 // by: decided by, -1 for none
	seq                         int32
	requested, decided, revoked int64
	prob                        float32
	decision, truth, scenario   uint8
	noise                       bool
}

type grant struct {
	ent             int32
	role            int32 // planted role, -1 for an extra grant
	granted         int64
	source, cause   uint8
	missing, locked bool // locked: fixed by a request, noise leaves it alone
	camp            int8 // campaign that revoked a missing grant, -1
}

type outlier struct {
	person       int32
	kind, detail string
}

// pass walks the identities in id order and writes each one's accounts,
// assignments, certifications and noise, collecting requests, role members
// and outliers. Each identity draws from its own random stream, so its rows
// do not depend on the others.
type pass struct {
	g   *gen
	pcg *rand.PCG
	r   *rand.Rand

	accounts, assignments, certs, noise *csvFile

	stamp          []int32 // entitlement → cur when planted for or held by the current person
	cur            int32
	planted        []grant
	extras         []grant
	held           []grant
	roles          []int32
	missN, missT   int
	extraN, extraT int
	unames         [4]string // username of the current person by application style
	nAccounts      int

	requests []request
	members  [][2]int32 // role, identity number
	outliers []outlier
}

func (g *gen) newPass() *pass {
	w := &pass{g: g, pcg: rand.NewPCG(0, 0), stamp: make([]int32, len(g.ents))}
	w.r = rand.New(w.pcg)
	return w
}

// rolesOf appends the planted roles of person i to buf.
func (g *gen) rolesOf(i int32, buf []int32) []int32 {
	p := &g.people[i]
	if p.kind != kindHuman {
		return append(buf, p.svc)
	}
	buf = append(buf, g.roleAll, g.roleLoc[p.loc])
	if len(g.roleDept) > 0 {
		buf = append(buf, g.roleDept[p.dept])
	}
	if p.emp == empContractor {
		buf = append(buf, g.roleContr)
	}
	if p.flags&fDuplicate != 0 {
		return buf
	}
	buf = append(buf, g.roleJob[p.job])
	if p.flags&fManager != 0 {
		buf = append(buf, g.roleMgr)
	}
	return append(buf, g.crossList[g.crossOff[i]:g.crossOff[i+1]]...)
}

// person generates everything of person i.
func (w *pass) person(i int32) {
	g, p := w.g, &w.g.people[i]
	w.pcg.Seed(uint64(g.o.Seed)^0x9e3779b97f4a7c15, uint64(i))
	r := w.r
	w.cur++
	start, end := p.hire, g.now
	if p.term != 0 && p.term < end {
		end = p.term
	}
	gone := p.flags&fDeprovisioned != 0
	w.setUsernames(p)

	w.plant(i, p, start, end)
	w.extras = w.extras[:0]
	if !gone {
		w.special(i, p, start, end)
	}
	k := len(w.planted)
	w.missN, w.extraN = 0, 0
	w.missT, w.extraT = binomial(r, k, g.o.Noise/2), binomial(r, k, g.o.Noise/2)

	lambda := g.o.Requests
	if p.kind != kindHuman {
		lambda /= 4
	}
	nreq, npend := 0, 0
	for range poisson(r, lambda) {
		if p.status != stTerminated && r.Float64() < g.o.Pending {
			npend++
		} else {
			nreq++
		}
	}
	if p.status == stTerminated && r.Float64() < 0.1 || p.kind != kindHuman && r.Float64() < 0.05 {
		npend++
	}
	for range nreq {
		w.request(i, p, false, start, end, gone)
	}
	if !gone {
		w.fillNoise(p, start, end)
	}
	for range npend {
		w.request(i, p, true, start, end, gone)
	}

	if gone {
		w.lingeringAccounts(i, p, end)
		return
	}
	w.collectHeld()
	for _, ri := range w.roles {
		w.members = append(w.members, [2]int32{ri, p.id})
	}
	w.writeAccess(i, p, end)
	w.writeCertifications(i, p, start, end)
	w.writeNoise(p)
	w.noteOutliers(i, p)
}

// plant lists the grants person i's planted roles give, with dates.
func (w *pass) plant(i int32, p *person, start, end int64) {
	g, r := w.g, w.r
	w.roles = g.rolesOf(i, w.roles[:0])
	w.planted = w.planted[:0]
	last := max(end-hour, start)
	for _, ri := range w.roles {
		rl := &g.roles[ri]
		src, lo, hi := srcRole, start, start+30*day
		switch {
		case rl.kind == rkBirthright:
			src, hi = srcBirthright, start+3*day
		case rl.kind == rkCross:
			lo, hi = start+30*day, start+2*year
		case rl.kind == rkService:
			hi = start + 7*day
		}
		for _, e := range rl.ents {
			gr := grant{ent: e, role: ri, source: src, camp: -1, granted: min(uniform(r, lo, hi), last)}
			if src == srcRole && r.Float64() < 0.05 {
				gr.source = srcDirect
			}
			w.planted = append(w.planted, gr)
			w.stamp[e] = w.cur
		}
	}
}

// special adds the deviations that are not noise: a mover's old grants, a
// second identity's copy of some of its person's access, a planted SoD
// violation.
func (w *pass) special(i int32, p *person, start, end int64) {
	g, r := w.g, w.r
	last := max(end-hour, start)
	add := func(e int32, granted int64, src, cause uint8) {
		if w.stamp[e] != w.cur {
			w.extras = append(w.extras, grant{ent: e, role: -1, granted: granted, source: src, cause: cause, camp: -1, locked: true})
			w.stamp[e] = w.cur
		}
	}
	if p.flags&fMover != 0 {
		moved, keep := uniform(r, start, last), 0.5+0.5*r.Float64()
		for _, e := range g.roles[g.roleJob[p.prevJob]].ents {
			if r.Float64() < keep {
				add(e, uniform(r, start, moved), srcRole, causeMover)
			}
		}
	}
	if p.flags&fDuplicate != 0 {
		keep := 0.3 + 0.5*r.Float64()
		for _, e := range g.roles[g.roleJob[p.job]].ents {
			if r.Float64() < keep {
				add(e, uniform(r, start, last), srcDirect, causeDuplicate)
			}
		}
	}
	for _, k := range g.sodPlant[i] {
		add(g.sod[k].b, uniform(r, start, last), srcDirect, causeSoD)
	}
}

// request draws one access request of person i and applies its outcome.
func (w *pass) request(i int32, p *person, pending bool, start, end int64, gone bool) {
	g, r := w.g, w.r
	q := request{person: i, by: -1, seq: int32(len(w.requests))}
	if pending {
		q.requested = uniform(r, g.now-21*day, g.now-hour)
	} else {
		lo, hi := max(g.now-history, start+day), end-2*day
		if hi <= lo {
			return
		}
		q.requested = uniform(r, lo, hi)
	}
	mix := 0
	switch {
	case p.kind != kindHuman:
		mix = 2
	case pending:
		mix = 1
	}
	q.scenario = pickScenario(r, &scenarioMix[mix])
	gi, e := w.pickEntitlement(p, &q.scenario, pending)
	if e < 0 {
		return
	}
	q.ent = e
	prob := sigmoid(w.approvalLogit(p, &q, pending))
	q.prob = float32(prob)
	q.truth = decDenied
	if r.Float64() < prob {
		q.truth = decApproved
	}
	if pending {
		q.decision = decPending
		w.requests = append(w.requests, q)
		return
	}
	q.decision = q.truth
	// Reviewers err where a decision is a close call, rarely on clear
	// cases: the flip rate is ReviewerNoise at p = 1/2, scaled by 4p(1-p).
	if r.Float64() < g.o.ReviewerNoise*4*prob*(1-prob) {
		q.decision, q.noise = 1-q.truth, true
	}
	lag := int64(math.Exp(math.Log(18*hour) + r.NormFloat64()))
	q.decided = min(q.requested+min(lag, 20*day), end-hour)
	q.by = w.reviewer(i, p, e, q.decided)
	w.apply(&q, gi, end, gone)
	w.requests = append(w.requests, q)
}

// approvalLogit is the policy's log-odds of approving q.
func (w *pass) approvalLogit(p *person, q *request, pending bool) float64 {
	ent := &w.g.ents[q.ent]
	x := scenarioScore[q.scenario] - riskPenalty[ent.risk]
	if ent.priv {
		x -= 0.8
	}
	if p.kind != kindHuman {
		x -= 0.3
	}
	if p.status == stTerminated && (pending || p.term <= q.requested) {
		x -= 4
	}
	if w.conflicts(q.ent) {
		x -= 2.5
	}
	return x
}

func pickScenario(r *rand.Rand, mix *[numScenarios]float64) uint8 {
	u := r.Float64()
	for s, x := range mix {
		if u < x {
			return uint8(s)
		}
		u -= x
	}
	return scOneOff
}

// apply makes the assignments agree with a decided request q: an approved
// grant is held unless rolled back, a denied role grant is missing when the
// noise budget allows, else it was granted later by its role.
func (w *pass) apply(q *request, gi int, end int64, gone bool) {
	r := w.r
	approved := q.decision == decApproved
	revokeAt := func() int64 { return max(min(q.decided+uniform(r, day, 120*day), end-minute), q.decided+minute) }
	switch {
	case gone:
		if approved {
			q.revoked = max(end, q.decided+minute)
		}
	case gi >= 0:
		gr := &w.planted[gi]
		switch {
		case gr.missing:
			if approved {
				q.revoked = revokeAt()
			}
		case approved:
			gr.source, gr.granted, gr.locked = srcRequest, q.decided, true
			if r.Float64() < 0.05 && w.missN < w.missT {
				gr.missing, gr.cause = true, causeRequest
				w.missN++
				q.revoked = revokeAt()
			}
		case w.missN < w.missT:
			gr.missing, gr.cause, gr.locked = true, causeRequest, true
			w.missN++
		default:
			gr.granted, gr.locked = min(q.decided+uniform(r, day, 60*day), max(end-hour, q.decided+minute)), true
		}
	case approved:
		if r.Float64() < rollbackRate || w.extraN >= w.extraT {
			q.revoked = revokeAt()
			return
		}
		w.extras = append(w.extras, grant{ent: q.ent, role: -1, granted: q.decided, source: srcRequest,
			cause: causeRequest, camp: -1, locked: true})
		w.stamp[q.ent] = w.cur
		w.extraN++
	}
}

// pickEntitlement draws the entitlement of a request of the given scenario;
// it returns the index of the planted grant for a role fit, and e < 0 when
// nothing suitable was found. A scenario that cannot apply to the person is
// changed to one that can.
func (w *pass) pickEntitlement(p *person, sc *uint8, pending bool) (gi int, e int32) {
	g, r := w.g, w.r
	if *sc == scRoleFit {
		if gi := w.pickPlanted(pending); gi >= 0 {
			return gi, w.planted[gi].ent
		}
		*sc = scPeer
	}
	if *sc == scSoD {
		if e := w.sodPartner(); e >= 0 {
			return -1, e
		}
		*sc = scOutlier
	}
	if *sc == scPeer && (p.job < 0 || len(g.depts[g.jobs[p.job].dept].jobs) < 2) {
		*sc = scOneOff
	}
	for range 4 {
		switch *sc {
		case scPeer:
			ents := g.roles[g.roleJob[g.peerJob(r, p.job)]].ents
			e = ents[r.IntN(len(ents))]
		case scOneOff:
			e = g.loose[pickCum(r, g.looseCum)]
		case scOutlier:
			ents := g.roles[g.roleJob[g.jobElsewhere(r, p.dept)]].ents
			e = ents[r.IntN(len(ents))]
		case scPrivileged:
			if len(g.privileged) == 0 {
				return -1, -1
			}
			e = g.privileged[r.IntN(len(g.privileged))]
		}
		if w.stamp[e] != w.cur {
			return -1, e
		}
	}
	return -1, -1
}

// pickPlanted returns the index of a planted grant a person could request:
// not a birthright, not yet decided by a request and, when pending, one
// the person is missing; -1 when there is none.
func (w *pass) pickPlanted(pending bool) int {
	pick, n := -1, 0
	for k := range w.planted {
		gr := &w.planted[k]
		if w.g.roles[gr.role].kind == rkBirthright || gr.locked || pending && !gr.missing {
			continue
		}
		if n++; w.r.IntN(n) == 0 { // reservoir sampling
			pick = k
		}
	}
	return pick
}

// sodPartner returns an entitlement that would complete a toxic pair with
// one the current person holds, or -1.
func (w *pass) sodPartner() int32 {
	g := w.g
	var cand []int32
	for _, gr := range w.planted {
		if gr.missing {
			continue
		}
		for _, k := range g.sodOf[gr.ent] {
			other := g.sod[k].a
			if other == gr.ent {
				other = g.sod[k].b
			}
			if w.stamp[other] != w.cur {
				cand = append(cand, other)
			}
		}
	}
	if len(cand) == 0 {
		return -1
	}
	return cand[w.r.IntN(len(cand))]
}

// conflicts reports whether granting e would complete a toxic pair.
func (w *pass) conflicts(e int32) bool {
	g := w.g
	for _, k := range g.sodOf[e] {
		other := g.sod[k].a
		if other == e {
			other = g.sod[k].b
		}
		if w.stamp[other] == w.cur {
			return true
		}
	}
	return false
}

// reviewer returns who decides at time t on a request of person i for e:
// the entitlement owner or, mostly, the requester's nearest manager in
// employment (a non-human's owner); -1 when nobody is.
func (w *pass) reviewer(i int32, p *person, e int32, t int64) int32 {
	g := w.g
	owner := g.ents[e].owner
	if owner == i || owner >= 0 && !g.employedAt(owner, t) {
		owner = -1
	}
	if owner >= 0 && w.r.Float64() < 0.3 {
		return owner
	}
	if m := g.managerAt(p, t); m >= 0 {
		return m
	}
	if p.owner >= 0 && g.employedAt(p.owner, t) {
		return p.owner
	}
	return owner
}

// employedAt reports whether person i was employed at time t.
func (g *gen) employedAt(i int32, t int64) bool {
	p := &g.people[i]
	return p.hire <= t && (p.term == 0 || p.term > t)
}

// managerAt returns the nearest manager above p employed at time t, or -1.
func (g *gen) managerAt(p *person, t int64) int32 {
	m := p.manager
	for depth := 0; m >= 0 && depth < 64; depth++ {
		if g.employedAt(m, t) {
			return m
		}
		m = g.people[m].manager
	}
	return -1
}

// fillNoise tops the missing and extra grants up to their budgets.
func (w *pass) fillNoise(p *person, start, end int64) {
	r := w.r
	for tries := 0; w.missN < w.missT && tries < 8*len(w.planted); tries++ {
		gr := &w.planted[r.IntN(len(w.planted))]
		if gr.missing || gr.locked {
			continue
		}
		gr.missing, gr.cause = true, causeRandom
		w.missN++
	}
	for tries := 0; w.extraN < w.extraT && tries < 8*w.extraT; tries++ {
		e := w.extraEntitlement(p)
		if w.stamp[e] == w.cur {
			continue
		}
		w.extras = append(w.extras, grant{ent: e, role: -1, granted: uniform(r, start, max(end-hour, start)),
			source: srcDirect, cause: causeRandom, camp: -1})
		w.stamp[e] = w.cur
		w.extraN++
	}
}

// extraEntitlement draws an entitlement someone might hold by mistake: a
// popular one-off, or that of a random colleague's job in the department
// or elsewhere. Drawing jobs through people keeps the extra holders of a
// role's entitlements proportional to its members.
func (w *pass) extraEntitlement(p *person) int32 {
	g, r := w.g, w.r
	j := int32(-1)
	switch u := r.Float64(); {
	case u < 0.5 && len(g.loose) > 0:
		return g.loose[pickCum(r, g.looseCum)]
	case u < 0.85 && p.job >= 0:
		j = g.peerJob(r, p.job)
	}
	if j < 0 {
		j = g.jobElsewhere(r, p.dept)
	}
	ents := g.roles[g.roleJob[j]].ents
	return ents[r.IntN(len(ents))]
}

// collectHeld lists the current person's held grants by entitlement.
func (w *pass) collectHeld() {
	w.held = w.held[:0]
	for _, gr := range w.planted {
		if !gr.missing {
			w.held = append(w.held, gr)
		}
	}
	w.held = append(w.held, w.extras...)
	sortGrants(w.held)
}

func sortGrants(gs []grant) {
	slices.SortFunc(gs, func(a, b grant) int { return cmp.Compare(a.ent, b.ent) })
}

// setUsernames prepares the username of p in each application style: the
// e-mail address, the short login, the identity id and the upper-case
// full name. All are unique among identities.
func (w *pass) setUsernames(p *person) {
	if p.kind != kindHuman {
		w.unames = [4]string{p.display, p.display, p.display, p.display}
		return
	}
	id := strings.ToLower(string(appendID(nil, "I", int(p.id), w.g.idW)))
	email := p.email
	if email == "" {
		email = id
	}
	w.unames = [4]string{email, p.login, id, p.upper}
}

// writeAccess writes one account per application the person holds
// something in, and the assignments with their last use.
func (w *pass) writeAccess(i int32, p *person, end int64) {
	g, r := w.g, w.r
	for s := 0; s < len(w.held); {
		app := g.ents[w.held[s].ent].app
		t, created := s, w.held[s].granted
		for t < len(w.held) && g.ents[w.held[t].ent].app == app {
			created = min(created, w.held[t].granted)
			t++
		}
		created -= int64(r.IntN(2 * hour))
		login := w.lastLogin(p, created, end)
		w.account(p, app, created, login, "")
		if p.kind == kindHuman && r.Float64() < dupAccount {
			at := uniform(r, created, max(end-hour, created))
			w.account(p, app, at, w.lastLogin(p, at, end), [...]string{"adm-", "x-"}[r.IntN(2)])
		}
		if r.Float64() < orphanAccount {
			w.orphan(app, created)
		}
		for k := s; k < t; k++ {
			gr := &w.held[k]
			c := w.assignments
			c.id("I", int(p.id), g.idW)
			c.id("E", int(gr.ent), g.entW)
			c.time(gr.granted)
			c.raw(sourceNames[gr.source])
			c.time(w.lastUsed(gr, login))
			c.end()
		}
		s = t
	}
}

func (w *pass) lastLogin(p *person, created, end int64) int64 {
	g, r := w.g, w.r
	u := r.Float64()
	var t int64
	switch {
	case p.status == stTerminated:
		if u < 0.1 {
			return 0
		}
		t = end - int64(r.ExpFloat64()*5*day)
	case p.kind != kindHuman:
		switch {
		case u < 0.8:
			t = g.now - int64(r.ExpFloat64()*day)
		case u < 0.95:
			t = uniform(r, g.now-600*day, g.now-91*day)
		default:
			return 0
		}
	default:
		switch {
		case u < 0.82:
			t = g.now - int64(r.ExpFloat64()*5*day)
		case u < 0.95:
			t = uniform(r, g.now-600*day, g.now-91*day)
		default:
			return 0
		}
	}
	return min(max(t, created+minute), g.now-minute)
}

func (w *pass) lastUsed(gr *grant, login int64) int64 {
	r := w.r
	never := neverUsedRole
	if gr.role < 0 {
		never = neverUsedXtra
	}
	if login == 0 || login < gr.granted || r.Float64() < never {
		return 0
	}
	return max(login-int64(r.ExpFloat64()*10*day), gr.granted)
}

// account writes an account of p; prefix marks a second account.
func (w *pass) account(p *person, app int32, created, login int64, prefix string) {
	g, r := w.g, w.r
	a := &g.apps[app]
	c := w.accounts
	w.nAccounts++
	c.id("A", w.nAccounts, 8)
	c.id("I", int(p.id), g.idW)
	c.raw(a.slug)
	c.str(prefix + w.unames[a.style])
	c.time(created)
	c.time(login)
	rotated := int64(0)
	if p.kind != kindHuman {
		switch u := r.Float64(); {
		case u < 0.4:
			rotated = uniform(r, g.now-90*day, g.now)
		case u < 0.9:
			rotated = uniform(r, g.now-3*year, g.now-91*day)
		}
		if rotated != 0 {
			rotated = max(rotated, created)
		}
	}
	c.time(rotated)
	c.end()
}

// orphan writes an account that belongs to no identity.
func (w *pass) orphan(app int32, created int64) {
	g, r := w.g, w.r
	c := w.accounts
	w.nAccounts++
	c.id("A", w.nAccounts, 8)
	c.str("")
	c.raw(g.apps[app].slug)
	c.str([...]string{"old-", "tmp_", "test-"}[r.IntN(3)] + w.unames[1])
	created = max(created-uniform(r, 0, 3*year), g.now-10*year)
	c.time(created)
	login := int64(0)
	if r.Float64() < 0.7 {
		login = uniform(r, created, max(g.now-180*day, created+day))
	}
	c.time(login)
	c.time(0)
	c.end()
}

// lingeringAccounts writes the accounts a deprovisioned leaver still has.
func (w *pass) lingeringAccounts(i int32, p *person, end int64) {
	g, r := w.g, w.r
	var seen []int32
	for _, gr := range w.planted {
		app := g.ents[gr.ent].app
		if slices.Contains(seen, app) {
			continue
		}
		seen = append(seen, app)
		if r.Float64() < 0.25 {
			created := min(gr.granted, end-day)
			login := int64(0)
			if r.Float64() < 0.8 {
				login = uniform(r, created, end)
			}
			w.account(p, app, created, login, "")
		}
	}
}

// writeCertifications writes the reviews of the person's access: the
// non-birthright grants in each campaign's scope, a missing role grant
// revoked by mistake, and now and then an outlier grant revoked (and
// removed).
func (w *pass) writeCertifications(i int32, p *person, start, end int64) {
	g, r := w.g, w.r
	var open []int
	for c, cp := range g.campaigns {
		if start < cp.at && end > cp.at {
			open = append(open, c)
		}
	}
	if len(open) == 0 {
		return
	}
	for k := range w.planted {
		gr := &w.planted[k]
		if gr.missing && g.roles[gr.role].kind != rkBirthright && r.Float64() < certRevoke {
			gr.camp = int8(open[r.IntN(len(open))])
		}
	}
	for _, c := range open {
		cp := &g.campaigns[c]
		at := cp.at + uniform(r, 0, 21*day)
		rev := g.managerAt(p, at)
		if p.kind != kindHuman && p.owner >= 0 && g.employedAt(p.owner, at) {
			rev = p.owner
		}
		rows := 0
		row := func(e int32, keep bool) {
			by := rev
			if o := g.ents[e].owner; by < 0 && o >= 0 && o != i && g.employedAt(o, at) {
				by = o
			}
			x := w.certs
			x.id("I", int(p.id), g.idW)
			x.id("E", int(e), g.entW)
			x.raw(cp.name)
			x.time(at + int64(rows)*37)
			x.raw([...]string{"revoke", "keep"}[b2i(keep)])
			if by >= 0 {
				x.id("I", int(g.people[by].id), g.idW)
			} else {
				x.str("")
			}
			x.end()
			rows++
		}
		for k := range w.held {
			gr := &w.held[k]
			if gr.granted >= cp.at || gr.role >= 0 && g.roles[gr.role].kind == rkBirthright || !g.inScope(gr.ent, cp) {
				continue
			}
			row(gr.ent, gr.role >= 0 || r.Float64() >= 0.05)
		}
		for k := range w.planted {
			if w.planted[k].camp == int8(c) {
				row(w.planted[k].ent, false)
			}
		}
		if rows > 0 && r.Float64() < 0.15 {
			if e := w.extraEntitlement(p); w.stamp[e] != w.cur {
				row(e, false)
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (g *gen) inScope(e int32, c *campaign) bool {
	ent := &g.ents[e]
	return ent.risk >= riskHigh || ent.priv || int(ent.app)%campaignStride == c.apps
}

// writeNoise writes the person's deviations from the planted roles.
func (w *pass) writeNoise(p *person) {
	g := w.g
	row := func(gr *grant, kind string) {
		c := w.noise
		c.id("I", int(p.id), g.idW)
		c.id("E", int(gr.ent), g.entW)
		c.raw(kind)
		c.raw(causeNames[gr.cause])
		c.end()
	}
	for k := range w.planted {
		if w.planted[k].missing {
			row(&w.planted[k], "missing")
		}
	}
	for k := range w.extras {
		row(&w.extras[k], "extra")
	}
}

func (w *pass) noteOutliers(i int32, p *person) {
	g := w.g
	note := func(kind, detail string) { w.outliers = append(w.outliers, outlier{i, kind, detail}) }
	if p.flags&fMover != 0 {
		note("mover", "kept grants of "+g.roles[g.roleJob[p.prevJob]].id)
	}
	if p.flags&fDuplicate != 0 {
		note("duplicate", "second identity of "+string(appendID(nil, "I", int(g.people[p.dupOf].id), g.idW))+
			" ("+variantNames[p.variant]+" name)")
	}
	for _, k := range g.sodPlant[i] {
		note("sod_violation", "holds both sides of "+sodID(int(k)))
	}
	if p.status == stTerminated {
		note("leaver_with_access", "left but keeps access")
	}
	if p.kind != kindHuman {
		switch {
		case p.owner < 0:
			note("orphan_owner", "no owner")
		case g.people[p.owner].status == stTerminated:
			note("orphan_owner", "owner has left")
		}
	}
}

func sodID(k int) string { return string(appendID(nil, "SOD", k+1, 4)) }
