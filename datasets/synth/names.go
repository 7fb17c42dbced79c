package synth

import (
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Name lists. They mix accented and unaccented spellings on purpose: the
// same person may appear once as "José Núñez" and once as "Jose Nunez".
var firstNames = []string{
	"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
	"William", "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
	"Thomas", "Sarah", "Christopher", "Karen", "Daniel", "Margaret", "Matthew", "Nancy",
	"Anthony", "Lisa", "Andrew", "Katherine", "Steven", "Rebecca", "Edward", "Samantha",
	"Jonathan", "Victoria", "Nicholas", "Deborah", "Benjamin", "Pamela", "Timothy", "Kimberly",
	"Gregory", "Jacqueline", "Alexander", "Olivia", "Raymond", "Emma", "Lawrence", "Sophie",
	"Frederick", "Amelia", "José", "María", "Juan", "Lucía", "Alejandro", "Sofía",
	"Andrés", "Valentina", "Tomás", "Camila", "Ramón", "Inés", "François", "Chloé",
	"Hélène", "Noémie", "Renée", "Maël", "Jürgen", "Zoë", "Björn", "Søren",
	"Åsa", "Łukasz", "Agnieszka", "Jiří", "Miloš", "Ágnes", "Dagný", "Oğuz",
	"Şebnem", "Giuseppe", "Francesca", "Luca", "Giulia", "Johannes", "Annika", "Lars",
	"Ingrid", "Pieter", "Femke", "Aleksandr", "Natalia", "Dmitri", "Yuki", "Hiroshi",
	"Mei", "Wei", "Priya", "Arjun", "Ananya", "Rahul", "Fatima", "Omar",
	"Layla", "Kwame", "Amara", "Chidi", "Thabo", "Aroha", "Liam", "Noah",
	"Ava", "Isabella", "Ethan", "Mia", "Lucas", "Harper", "Mateo", "Ella",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "García",
	"Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez", "Ramírez",
	"Torres", "Núñez", "Muñoz", "Álvarez", "Müller", "Schmidt", "Schneider", "Fischer",
	"Weber", "Meyer", "Wagner", "Becker", "Schröder", "Köhler", "Dubois", "Lefèvre",
	"Moreau", "Girard", "Rousseau", "Lambert", "Fontaine", "Mercier", "Nguyen", "Tran",
	"Pham", "Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Dvořák", "Novák", "Svoboda",
	"Horváth", "Nagy", "Kovács", "Szabó", "Johansson", "Andersson", "Karlsson", "Nilsson",
	"Jørgensen", "Sørensen", "Hansen", "Larsen", "Østergaard", "De Jong", "Jansen", "Van Dijk",
	"Bakker", "Visser", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano",
	"Colombo", "Ricci", "Marino", "O'Brien", "O'Connor", "Murphy", "Kelly", "Walsh",
	"McCarthy", "Byrne", "Ivanov", "Petrov", "Smirnov", "Sato", "Suzuki", "Takahashi",
	"Tanaka", "Watanabe", "Wang", "Li", "Zhang", "Liu", "Chen", "Yang",
	"Huang", "Patel", "Sharma", "Singh", "Kumar", "Gupta", "Reddy", "Iyer",
	"Khan", "Ali", "Hassan", "Haddad", "Yılmaz", "Kaya", "Demir", "Şahin",
	"Çelik", "Mensah", "Okafor", "Adeyemi", "Nkosi", "Dlamini", "Taylor", "Anderson",
	"Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
	"Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
	"Scott", "Hill", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell",
	"Roberts", "Campbell", "Evans", "Turner", "Parker", "Collins", "Edwards", "Stewart",
	"Da Silva", "Santos", "Oliveira", "Pereira", "Costa", "Gonçalves", "Fernandes", "Ngata",
}

// nicknames maps a given name to the short forms people use for it.
var nicknames = map[string][]string{
	"Robert": {"Bob", "Rob", "Bobby"}, "William": {"Bill", "Will", "Liam"},
	"Elizabeth": {"Liz", "Beth", "Eliza"}, "Katherine": {"Kate", "Kathy", "Katie"},
	"Michael": {"Mike", "Mick"}, "James": {"Jim", "Jimmy"}, "Jennifer": {"Jen", "Jenny"},
	"Richard": {"Rick", "Dick", "Rich"}, "Thomas": {"Tom", "Tommy"}, "Christopher": {"Chris"},
	"Daniel": {"Dan", "Danny"}, "Joseph": {"Joe", "Joey"}, "Margaret": {"Maggie", "Peggy"},
	"Alexander": {"Alex", "Sasha"}, "Alejandro": {"Alex", "Alejo"}, "José": {"Pepe"},
	"Johannes": {"Hans", "Jo"}, "Giuseppe": {"Beppe", "Pino"}, "Aleksandr": {"Sasha"},
	"Patricia": {"Pat", "Trish"}, "Susan": {"Sue", "Suzy"}, "Anthony": {"Tony"},
	"Edward": {"Ed", "Eddie", "Ted"}, "Jonathan": {"Jon"}, "Matthew": {"Matt"},
	"Nicholas": {"Nick", "Nico"}, "Samantha": {"Sam"}, "Benjamin": {"Ben"},
	"Victoria": {"Vicky", "Tori"}, "Rebecca": {"Becky"}, "Andrew": {"Andy", "Drew"},
	"Steven": {"Steve"}, "Timothy": {"Tim"}, "Kimberly": {"Kim"}, "Deborah": {"Debbie", "Deb"},
	"Frederick": {"Fred", "Freddie"}, "Gregory": {"Greg"}, "Jacqueline": {"Jackie"},
	"Lawrence": {"Larry"}, "Pamela": {"Pam"}, "Raymond": {"Ray"}, "Isabella": {"Bella", "Izzy"},
	"Francesca": {"Fran", "Cesca"}, "Valentina": {"Vale"}, "Natalia": {"Natasha", "Nat"},
	"Dmitri": {"Dima"}, "Amelia": {"Millie"}, "Olivia": {"Liv"}, "Agnieszka": {"Aga"},
	"María": {"Mari"}, "Lucía": {"Lu"},
}

// foldTable spells the non-ASCII letters of the name lists in ASCII.
var foldTable = map[rune]string{
	'á': "a", 'à': "a", 'â': "a", 'ä': "a", 'ã': "a", 'å': "a", 'ą': "a", 'æ': "ae",
	'ç': "c", 'č': "c", 'ć': "c", 'é': "e", 'è': "e", 'ê': "e", 'ë': "e", 'ě': "e", 'ę': "e",
	'í': "i", 'ì': "i", 'î': "i", 'ï': "i", 'ı': "i", 'ñ': "n", 'ń': "n",
	'ó': "o", 'ò': "o", 'ô': "o", 'ö': "o", 'õ': "o", 'ø': "o", 'ő': "o", 'œ': "oe",
	'ú': "u", 'ù': "u", 'û': "u", 'ü': "u", 'ů': "u", 'ű': "u", 'ý': "y", 'ÿ': "y",
	'ł': "l", 'ś': "s", 'ş': "s", 'š': "s", 'ß': "ss", 'ğ': "g", 'ř': "r", 'ž': "z", 'ź': "z", 'ż': "z",
	'Á': "A", 'À': "A", 'Â': "A", 'Ä': "A", 'Å': "A", 'Æ': "AE", 'Ç': "C", 'Č': "C",
	'É': "E", 'È': "E", 'Í': "I", 'İ': "I", 'Ñ': "N", 'Ó': "O", 'Ö': "O", 'Ø': "O",
	'Ú': "U", 'Ü': "U", 'Ł': "L", 'Ś': "S", 'Ş': "S", 'Š': "S", 'Ž': "Z", 'Ř': "R",
}

// fold spells s in ASCII letters.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if f, ok := foldTable[r]; ok {
			b.WriteString(f)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// emailLocal is the local part of a corporate e-mail address built from the
// given words: folded, lower case, joined with dots, without spaces or
// apostrophes.
func emailLocal(words ...string) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte('.')
		}
		for _, r := range strings.ToLower(fold(w)) {
			if r != ' ' && r != '\'' && r != '.' {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// Name variants of a second identity.
const (
	varUpper    = iota // JOSÉ GARCÍA
	varLower           // josé garcía
	varAccents         // Jose Garcia
	varNickname        // Bob Smith
	varInitial         // J. García
	varTypo            // José Gracía
	varReversed        // García, José
	varMiddle          // José M. García
	numVariants
)

var variantNames = [numVariants]string{"upper", "lower", "accents", "nickname", "initial", "typo", "reversed", "middle_initial"}

// nameVariant returns how a second identity of first last is displayed, the
// variant used, and the given name its e-mail address is built from.
func nameVariant(r *rand.Rand, first, last string) (display string, variant int, emailFirst string) {
	variant = r.IntN(numVariants)
	if variant == varAccents && fold(first+last) == first+last {
		variant = varTypo
	}
	if variant == varNickname && len(nicknames[first]) == 0 {
		variant = varInitial
	}
	emailFirst = first
	switch variant {
	case varUpper:
		display = strings.ToUpper(first + " " + last)
	case varLower:
		display = strings.ToLower(first + " " + last)
	case varAccents:
		display = fold(first) + " " + fold(last)
	case varNickname:
		nick := nicknames[first][r.IntN(len(nicknames[first]))]
		display, emailFirst = nick+" "+last, nick
	case varInitial:
		f, _ := utf8.DecodeRuneInString(first)
		display = string(f) + ". " + last
	case varTypo:
		display = first + " " + typo(r, last)
	case varReversed:
		display = last + ", " + first
	case varMiddle:
		display = first + " " + string(rune('A'+r.IntN(26))) + ". " + last
	}
	return display, variant, emailFirst
}

// typo swaps, drops or doubles one letter of s.
func typo(r *rand.Rand, s string) string {
	rs := []rune(s)
	if len(rs) < 3 {
		return s + string(rs[len(rs)-1])
	}
	i := 1 + r.IntN(len(rs)-2)
	switch r.IntN(3) {
	case 0:
		if rs[i] != rs[i+1] && unicode.IsLetter(rs[i+1]) {
			rs[i], rs[i+1] = rs[i+1], rs[i]
			return string(rs)
		}
		fallthrough
	case 1:
		return string(rs[:i]) + string(rs[i+1:])
	}
	return string(rs[:i+1]) + string(rs[i:])
}

// Organisation vocabulary.
type deptSpec struct {
	name, division string
	areas          []string
}

var deptSpecs = []deptSpec{
	{"Engineering", "Technology", []string{"Backend", "Frontend", "Platform", "Mobile", "Data"}},
	{"Finance", "Corporate", []string{"Accounts Payable", "Accounts Receivable", "General Ledger", "Tax", "FP&A"}},
	{"Sales", "Commercial", []string{"Enterprise Sales", "Inside Sales", "Channel", "Sales Operations"}},
	{"IT Operations", "Technology", []string{"Service Desk", "Network", "End User", "Infrastructure"}},
	{"Customer Support", "Commercial", []string{"Support", "Escalations", "Knowledge", "Support Operations"}},
	{"Human Resources", "Corporate", []string{"Recruiting", "HR Operations", "Compensation", "Learning"}},
	{"Manufacturing", "Operations", []string{"Production", "Maintenance", "Process", "Plant"}},
	{"Marketing", "Commercial", []string{"Digital Marketing", "Brand", "Events", "Content"}},
	{"Information Security", "Technology", []string{"Security Operations", "Identity", "Application Security", "GRC"}},
	{"Supply Chain", "Operations", []string{"Planning", "Inventory", "Demand", "Distribution"}},
	{"Legal", "Corporate", []string{"Contracts", "Litigation", "Privacy", "Corporate"}},
	{"Data & Analytics", "Technology", []string{"Analytics", "Data Science", "BI", "Data Platform"}},
	{"Treasury", "Corporate", []string{"Cash Management", "Payments", "Investments", "Risk"}},
	{"Procurement", "Operations", []string{"Sourcing", "Purchasing", "Vendor Management", "Contracts"}},
	{"Product", "Technology", []string{"Product", "UX", "Research", "Program"}},
	{"Logistics", "Operations", []string{"Warehouse", "Transport", "Fleet", "Customs"}},
	{"Compliance", "Corporate", []string{"Regulatory", "AML", "Policy", "Ethics"}},
	{"Payroll", "Corporate", []string{"Payroll", "Benefits", "Time & Attendance", "Pensions"}},
	{"Customer Success", "Commercial", []string{"Onboarding", "Account Management", "Renewals", "Adoption"}},
	{"Quality", "Operations", []string{"Quality Assurance", "Quality Control", "Validation", "Documentation"}},
	{"Internal Audit", "Corporate", []string{"IT Audit", "Financial Audit", "Operational Audit", "SOX"}},
	{"Facilities", "Operations", []string{"Workplace", "Real Estate", "Safety", "Security"}},
	{"Research", "Technology", []string{"Applied Research", "Laboratory", "Clinical", "Innovation"}},
	{"Field Services", "Operations", []string{"Field Service", "Installation", "Repair", "Dispatch"}},
	{"Business Development", "Commercial", []string{"Partnerships", "Alliances", "Corporate Development", "Licensing"}},
	{"Risk Management", "Corporate", []string{"Enterprise Risk", "Credit Risk", "Operational Risk", "Insurance"}},
	{"Communications", "Corporate", []string{"Internal Communications", "Public Relations", "Social Media", "Investor Relations"}},
	{"Strategy", "Corporate", []string{"Strategy", "Transformation", "PMO", "M&A"}},
	{"Training", "Corporate", []string{"Instructional Design", "Delivery", "Enablement", "Academy"}},
	{"Executive Office", "Corporate", []string{"Executive", "Chief of Staff", "Board Relations", "Administration"}},
}

var jobFunctions = []string{
	"Analyst", "Senior Analyst", "Specialist", "Manager", "Coordinator", "Lead",
	"Associate", "Administrator", "Consultant", "Engineer", "Director", "Assistant",
	"Officer", "Architect", "Planner", "Representative", "Supervisor", "Technician",
}

var locationNames = []string{
	"New York", "London", "Berlin", "Bangalore", "Paris", "Chicago", "Madrid", "São Paulo",
	"Toronto", "Singapore", "Austin", "Dublin", "Amsterdam", "Warsaw", "Tokyo", "Sydney",
	"Mexico City", "Zürich", "Stockholm", "Prague", "Lisbon", "Cape Town", "Dubai", "Remote",
}

type appSpec struct{ slug, abbr string }

var appSpecs = []appSpec{
	{"active-directory", "AD"}, {"sap-erp", "SAP"}, {"salesforce", "SFDC"}, {"workday", "WD"},
	{"servicenow", "SNOW"}, {"aws-prod", "AWS"}, {"azure", "AZ"}, {"github", "GH"},
	{"jira", "JIRA"}, {"confluence", "CONF"}, {"oracle-ebs", "EBS"}, {"okta", "OKTA"},
	{"slack", "SLK"}, {"box", "BOX"}, {"tableau", "TAB"}, {"snowflake", "SNF"},
	{"databricks", "DBX"}, {"coupa", "CPA"}, {"concur", "CNC"}, {"netsuite", "NS"},
	{"kronos", "KRN"}, {"jenkins", "JNK"}, {"datadog", "DD"}, {"pagerduty", "PD"},
	{"splunk", "SPL"}, {"cyberark", "CYA"}, {"zendesk", "ZD"}, {"hubspot", "HS"},
	{"marketo", "MKT"}, {"docusign", "DS"}, {"ariba", "ARB"}, {"greenhouse", "GHR"},
	{"kubernetes-prod", "K8S"}, {"postgres-prod", "PG"}, {"mainframe", "MF"}, {"sharepoint", "SP"},
	{"gcp", "GCP"}, {"blackline", "BL"}, {"anaplan", "ANP"}, {"veeva", "VV"},
}

var resources = []string{
	"invoice", "vendor", "payment", "ledger", "journal", "order", "customer", "ticket",
	"repo", "pipeline", "report", "payroll", "employee", "contract", "bucket", "cluster",
	"database", "project", "dashboard", "account", "policy", "budget", "asset", "inventory",
	"shipment", "case", "campaign", "lead", "opportunity", "quote", "expense", "timesheet",
	"document", "user", "role", "secret", "key", "network", "server", "backup",
}

// actions by risk tier (low, medium, high, critical) and for privileged
// entitlements.
var (
	actionsByRisk = [4][]string{
		{"read", "view", "viewer", "reader", "browse", "export"},
		{"write", "edit", "create", "update", "submit", "contributor"},
		{"approve", "delete", "post", "release", "manage", "reconcile"},
		{"approve-all", "override", "purge", "bulk-delete", "unlock", "impersonate"},
	}
	privilegedActions = []string{"admin", "superuser", "owner", "full-control", "root", "dba"}
)

var nonHumanPurposes = []string{
	"backup", "etl", "sync", "batch", "deploy", "monitor", "report", "import", "export",
	"scanner", "integration", "scheduler", "billing", "provisioning", "archive", "alerts",
}
