package synth

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// Time units in seconds.
const (
	minute  = 60
	hour    = 3600
	day     = 86400
	year    = 365 * day
	history = 2 * year // span of the request history
)

// Identity kinds, statuses and employment types, indexing their names.
const (
	kindHuman uint8 = iota
	kindService
	kindBot
)

const (
	stActive uint8 = iota
	stTerminated
	stLeave
	stSuspended
)

const (
	empEmployee uint8 = iota
	empContractor
	empIntern
	empNone
)

var (
	kindNames   = [...]string{"human", "service", "bot"}
	statusNames = [...]string{"active", "terminated", "leave", "suspended"}
	empNames    = [...]string{"employee", "contractor", "intern", ""}
	riskNames   = [...]string{"low", "medium", "high", "critical"}
	sourceNames = [...]string{"request", "role", "birthright", "direct"}
)

// Person flags.
const (
	fDeprovisioned uint8 = 1 << iota // terminated and access removed
	fManager                         // has direct reports
	fDuplicate                       // second identity of another person
	fMover                           // kept grants of a previous job
)

// Role kinds, indexing roleKindNames.
const (
	rkBirthright uint8 = iota
	rkJob
	rkCross
	rkService
)

var roleKindNames = [...]string{"birthright", "job", "cross", "service"}

// Assignment sources, indexing sourceNames.
const (
	srcRequest uint8 = iota
	srcRole
	srcBirthright
	srcDirect
)

// Risk tiers, indexing riskNames.
const (
	riskLow uint8 = iota
	riskMedium
	riskHigh
	riskCritical
)

type role struct {
	id, rule string
	kind     uint8
	ents     []int32 // sorted
}

type entitlement struct {
	name  string
	app   int32
	role  int32 // planted role, -1 for one-off access
	owner int32 // person, -1 for none
	risk  uint8
	priv  bool
}

type application struct {
	slug, abbr string
	style      int // naming style of entitlements and usernames, 0…3
}

type department struct {
	spec    *deptSpec
	jobs    []int32
	members []int32 // primary humans, shuffled
	head    int32
}

type job struct {
	dept         int32
	title        string
	first, count int32 // members are people[first : first+count]
}

type person struct {
	display, email string
	first, last    string // canonical name parts
	login, upper   string // unique login names: jgarcia, JOSE.GARCIA
	kind, status   uint8
	emp, flags     uint8
	variant        uint8 // name variant of a second identity
	dept, loc      int16 // -1 for none
	job            int32 // current job (title); -1 for none
	prevJob        int32 // job whose grants a mover kept; -1
	manager        int32 // person, -1
	owner          int32 // person owning a non-human identity, -1
	dupOf          int32 // person this is a second identity of, -1
	svc            int32 // service role of a non-human identity, -1
	id             int32 // identity number
	hire, term     int64 // term 0 when not leaving
}

type sodRule struct {
	a, b     int32
	severity uint8
}

type campaign struct {
	name string
	at   int64
	apps int // applications with app%campaignStride == apps are in scope
}

const campaignStride = 8

// gen holds the generated enterprise between building and writing it.
type gen struct {
	o   Options
	now int64
	r   *rand.Rand // setup stream

	apps       []application
	ents       []entitlement
	roles      []role
	roleAll    int32
	roleContr  int32
	roleMgr    int32
	roleDept   []int32
	roleLoc    []int32
	roleJob    []int32
	crossJobs  [][]int32 // jobs each cross role draws members from
	loose      []int32   // entitlements of no planted role
	looseCum   []float64 // cumulative popularity of loose
	privileged []int32
	sod        []sodRule
	sodOf      map[int32][]int32 // entitlement → rules it is part of
	campaigns  []campaign

	depts     []department
	jobs      []job
	locs      []string
	people    []person
	humans    int     // people[:humans] are the primary humans
	order     []int32 // identity number → person
	crossOff  []int32 // person p's cross roles are crossList[crossOff[p]:crossOff[p+1]]
	crossList []int32
	sodPlant  map[int32][]int32 // person → rules planted as current violations

	emails    *uniqueNames // e-mail addresses given out
	logins    *uniqueNames // login names given out
	idW, entW int
}

func round(x float64) int { return int(math.Round(x)) }

// uniform returns a time in [a, b); a when the span is empty.
func uniform(r *rand.Rand, a, b int64) int64 {
	if b <= a {
		return a
	}
	return a + r.Int64N(b-a)
}

// pickCum returns an index drawn with the weights whose running sums are cum.
func pickCum(r *rand.Rand, cum []float64) int {
	u := r.Float64() * cum[len(cum)-1]
	return sort.Search(len(cum), func(i int) bool { return cum[i] > u })
}

func cumulative(w []float64) []float64 {
	cum := make([]float64, len(w))
	s := 0.0
	for i, x := range w {
		s += x
		cum[i] = s
	}
	return cum
}

// lognormals returns n weights exp(σ·N(0,1)).
func lognormals(r *rand.Rand, n int, sigma float64) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = math.Exp(sigma * r.NormFloat64())
	}
	return w
}

// split shares total out among len(w) parts in proportion to w, each part
// getting at least least; it needs total ≥ least·len(w).
func split(total int, w []float64, least int) []int {
	out := make([]int, len(w))
	rest := total - least*len(w)
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	type frac struct {
		i int
		f float64
	}
	fr := make([]frac, len(w))
	given := 0
	for i, x := range w {
		share := float64(rest) * x / sum
		out[i] = least + int(share)
		given += int(share)
		fr[i] = frac{i, share - math.Floor(share)}
	}
	slices.SortStableFunc(fr, func(a, b frac) int {
		switch {
		case a.f > b.f:
			return -1
		case a.f < b.f:
			return 1
		}
		return 0
	})
	for k := 0; given < rest; k++ {
		out[fr[k%len(fr)].i]++
		given++
	}
	return out
}

// binomial draws the number of successes of n trials of probability p.
func binomial(r *rand.Rand, n int, p float64) int {
	k := 0
	if p <= 0 {
		return 0
	}
	for range n {
		if r.Float64() < p {
			k++
		}
	}
	return k
}

// poisson draws a Poisson variate of small mean lambda.
func poisson(r *rand.Rand, lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
