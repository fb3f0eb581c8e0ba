// Package synergyspec is the one declarative description of SynergyCRM's
// JSON:API resources: attributes and their types, relationships, filters
// and writability, as the upstream documents them. It drives the generated
// GraphQL schema and models, the adapter's requests and the emulator.
package synergyspec

import (
	"strings"
	"time"
)

// Kind is an attribute's value type.
type Kind int

const (
	String   Kind = iota
	Int           // JSON integer
	Decimal       // exact decimal; JSON number or numeric string upstream
	Bool          // JSON boolean
	Date          // "2022-02-22"
	DateTime      // "2022-02-22T12:02:22.222+03:00" (decoder also takes a bare date)
	JSON          // any JSON value (custom fields)
	Enum          // string restricted to Attr.Enum
	// NumericID is the id of a record of another type sent as a JSON
	// integer where the API has no relationship to read it through; the
	// API shows it as a String, the CRM's own id, like every raw id.
	NumericID
)

// Attr is one attribute of a resource.
type Attr struct {
	Name     string // kebab-case, as on the wire ("first-name")
	Kind     Kind
	Writable bool
	Required bool     // required on create ("*" in the docs)
	Enum     []string // allowed values for Kind Enum
	EnumName string   // GraphQL enum type name for Kind Enum
	// EnumDocs describes each value of Enum.
	EnumDocs map[string]string
	// Aliases are other wire names the upstream is documented to use for the
	// same attribute (tables say "custom", examples "customs"); the decoder
	// accepts them, writes use Name.
	Aliases []string
	// Layout is the time layout writes use when the docs show one other
	// than RFC 3339 (diary-events start-time: "2022-02-22 12:00 +0300").
	Layout string
	Doc    string
}

// Rel is one relationship of a resource.
type Rel struct {
	Key     string   // JSON:API relationship key ("contact-type")
	Targets []string // target JSON:API types; two for the contract parties
	Many    bool
	Doc     string
}

// Filter is one documented filter[...] key.
type Filter struct {
	Key   string // the docs' filter name ("work-phone", "created-at-gte")
	Param string // what is sent inside filter[...] (the docs' runnable example spelling)
	Kind  Kind   // String, Int or DateTime
	Doc   string
}

// Resource is one JSON:API type.
type Resource struct {
	Type     string // JSON:API type and path segment ("deal-stage-categories")
	Name     string // GraphQL type name ("DealStageCategory")
	List     string // GraphQL list field ("dealStageCategories"); "" = no list endpoint documented
	One      string // GraphQL by-id field ("dealStageCategory")
	Doc      string
	Attrs    []Attr
	Rels     []Rel
	Filters  []Filter
	Writable bool // create, update and delete are documented
	// Opaque marks types the docs reference but never describe: their
	// attributes are kept as one JSON map.
	Opaque bool
}

// calcMethodDocs describe the values of a deal's amount-calc-method and
// cost-calc-method (their meaning is read from their names; the docs list
// the values only).
var calcMethodDocs = map[string]string{
	"manually": "Entered by hand.",
	"invoices": "The sum of the deal's invoices.",
	"products": "The sum of the deal's products (line items).",
	"payments": "The sum of the deal's payments.",
	"formula":  "Computed by the formula in the `*-calc-field` custom field.",
}

// FilterZone is the zone date filters are written in. The docs show
// "2022.02.22 12:00" without a zone next to +03:00 timestamps, so bounds are
// sent as Moscow wall-clock time (UTC+3, no daylight saving since 2014).
var FilterZone = time.FixedZone("MSK", 3*60*60)

// FilterTimeLayout is the documented filter date format.
const FilterTimeLayout = "2006.01.02 15:04"

// MaxPageSize is the documented page[size] maximum; DefaultPageSize its default.
const (
	MaxPageSize     = 100
	DefaultPageSize = 50
)

// Attr returns the attribute named name.
func (r *Resource) Attr(name string) (Attr, bool) {
	for _, a := range r.Attrs {
		if a.Name == name {
			return a, true
		}
	}
	return Attr{}, false
}

// Rel returns the relationship with key.
func (r *Resource) Rel(key string) (Rel, bool) {
	for _, x := range r.Rels {
		if x.Key == key {
			return x, true
		}
	}
	return Rel{}, false
}

// InputField is the GraphQL input field that sets a relationship:
// company → companyId, companies → companyIds, entities-products →
// entitiesProductIds.
func (x Rel) InputField() string {
	if !x.Many {
		return Camel(x.Key) + "Id"
	}
	k := x.Key
	switch {
	case strings.HasSuffix(k, "ies"):
		k = strings.TrimSuffix(k, "ies") + "y"
	case strings.HasSuffix(k, "s"):
		k = strings.TrimSuffix(k, "s")
	}
	return Camel(k) + "Ids"
}

// ByType finds a resource by JSON:API type.
func ByType(t string) *Resource {
	for i := range Resources {
		if Resources[i].Type == t {
			return &Resources[i]
		}
	}
	return nil
}

// Camel turns a kebab- or snake-case name into lowerCamelCase.
func Camel(s string) string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' })
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}

// Pascal turns a kebab- or snake-case name into UpperCamelCase.
func Pascal(s string) string {
	c := Camel(s)
	return strings.ToUpper(c[:1]) + c[1:]
}

// --- builders keep the table below readable ---

func rw(name string, k Kind, doc string) Attr {
	return Attr{Name: name, Kind: k, Writable: true, Doc: doc}
}
func req(name string, k Kind, doc string) Attr {
	return Attr{Name: name, Kind: k, Writable: true, Required: true, Doc: doc}
}
func ro(name string, k Kind, doc string) Attr { return Attr{Name: name, Kind: k, Doc: doc} }
func str(names ...string) []Attr {
	out := make([]Attr, 0, len(names))
	for i := 0; i < len(names); i += 2 {
		out = append(out, rw(names[i], String, names[i+1]))
	}
	return out
}
func one(key, target, doc string) Rel { return Rel{Key: key, Targets: []string{target}, Doc: doc} }
func many(key, target, doc string) Rel {
	return Rel{Key: key, Targets: []string{target}, Many: true, Doc: doc}
}
func f(key string, k Kind, doc string) Filter {
	return Filter{Key: key, Param: key, Kind: k, Doc: doc}
}

// phone filters are sent with underscores, as every runnable example does
// (filter[work_phone]); the tables spell them with hyphens.
func phone(key, doc string) Filter {
	return Filter{Key: key, Param: strings.ReplaceAll(key, "-", "_"), Kind: String, Doc: doc}
}

func timestamps() []Attr {
	return []Attr{
		rw("created-at", DateTime, "Creation time."),
		ro("updated-at", DateTime, "Last update time (read-only)."),
	}
}

func dateFilters() []Filter {
	return []Filter{
		f("created-at-gte", DateTime, "Created at or after this time."),
		f("created-at-lte", DateTime, "Created at or before this time."),
		f("updated-at-gte", DateTime, "Updated at or after this time."),
		f("updated-at-lte", DateTime, "Updated at or before this time."),
	}
}

func customs() Attr {
	return Attr{Name: "customs", Kind: JSON, Writable: true, Aliases: []string{"custom"},
		Doc: "Custom fields as a map of `custom-<N>` keys to values."}
}

func cat(groups ...[]Attr) []Attr {
	var out []Attr
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func address(prefix string, suffixes []string, label string) []Attr {
	docs := map[string]string{
		"country": "country", "region": "region / oblast / krai", "city": "city / settlement",
		"zipcode": "postal code", "zip-code": "postal code", "street": "street / avenue",
		"building": "house number", "house": "house number", "housing": "building block (korpus)",
		"build": "building block (korpus)", "apartment": "office or apartment number", "office": "office number",
	}
	out := make([]Attr, 0, len(suffixes))
	for _, s := range suffixes {
		out = append(out, rw(prefix+"-"+s, String, label+": "+docs[s]+"."))
	}
	return out
}

var contactAddr = []string{"country", "region", "city", "zipcode", "street", "building", "housing", "apartment"}
var companyAddr = []string{"country", "region", "city", "zip-code", "street", "house", "build", "office"}

// named: a status or type with only a name and timestamps.
func named(typ, name, list, one, doc string, color bool) Resource {
	attrs := []Attr{req("name", String, "Name.")}
	if color {
		attrs = append(attrs, rw("color", String, "Colour, `#rrggbb`."))
	}
	return Resource{Type: typ, Name: name, List: list, One: one, Doc: doc, Writable: true,
		Attrs: append(attrs, timestamps()...), Filters: dateFilters()}
}

func stage(typ, name, list, oneField, doc string, rels []Rel) Resource {
	return Resource{Type: typ, Name: name, List: list, One: oneField, Doc: doc, Writable: true,
		Attrs: append([]Attr{
			req("name", String, "Stage name."),
			rw("duration", Int, "Stage duration (the docs give no unit)."),
			rw("next-if-items-done", Bool, "Move to the next stage when all tasks are done."),
			rw("description", Bool, "\"Description\" flag; the docs type it boolean."),
			rw("color", String, "Stage colour, `#rrggbb`."),
		}, timestamps()...),
		Rels: rels, Filters: dateFilters()}
}

func opaque(typ, name, doc string) Resource {
	return Resource{Type: typ, Name: name, Doc: doc + " The docs reference this type but do not describe it; its attributes are kept as one JSON map.", Opaque: true}
}

// Resources lists every type of the SynergyCRM docs, documented ones first.
var Resources = []Resource{
	{
		Type: "contacts", Name: "Contact", List: "contacts", One: "contact", Writable: true,
		Doc: "A person in SynergyCRM.",
		Attrs: cat(
			[]Attr{req("first-name", String, "First name."), req("last-name", String, "Last name.")},
			str("middle-name", "Patronymic / middle name.", "description", "Description.",
				"general-phone", "Phone (main).", "mobile-phone", "Phone (mobile).", "work-phone", "Phone (work).",
				"work-phone-postfix", "Work phone extension.", "other-phone", "Phone (additional).",
				"other-phone-postfix", "Additional phone extension.", "fax", "Fax.", "email", "E-mail.",
				"other-email", "E-mail (additional).", "website", "Website."),
			[]Attr{customs()},
			timestamps(),
			[]Attr{rw("archived-at", DateTime, "Archiving time; null when not archived.")},
			address("work", contactAddr, "Work address"),
			address("home", contactAddr, "Home address"),
			str("vkontakte", "VKontakte profile.", "facebook", "Facebook.", "linkedin", "LinkedIn.",
				"odnoklassniki", "Odnoklassniki.", "instagram", "Instagram.", "twitter", "Twitter.",
				"whatsapp", "WhatsApp.", "viber", "Viber.", "telegram", "Telegram.", "skype", "Skype."),
		),
		Rels: []Rel{
			one("responsible", "users", "Responsible user."),
			one("user", "users", "Creator."),
			one("source", "sources", "Source."),
			many("companies", "companies", "Companies."),
			one("status", "contact-statuses", "Status."),
			one("contact-type", "contact-types", "Contact type."),
			many("deals", "deals", "Deals."),
			many("orders", "orders", "Orders."),
			many("products", "products", "Products."),
			many("entities-products", "entity-products", "Specifications (line items)."),
			many("tasks", "diary-tasks", "Tasks."),
			many("events", "diary-events", "Events."),
		},
		Filters: append([]Filter{
			f("last-name", String, "Contacts with this last name."),
			f("first-name", String, "Contacts with this first name."),
			f("middle-name", String, "Contacts with this middle name."),
			phone("work-phone", "Contacts with this work phone."),
			phone("mobile-phone", "Contacts with this mobile phone."),
			phone("other-phone", "Contacts with this additional phone."),
			phone("any-phone", "Contacts where any phone field holds the value."),
			f("email", String, "Contacts with this e-mail."),
			f("other-email", String, "Contacts with this additional e-mail."),
		}, dateFilters()...),
	},
	named("contact-statuses", "ContactStatus", "contactStatuses", "contactStatus", "A status a contact can be in.", true),
	named("contact-types", "ContactType", "contactTypes", "contactType", "A type of contact.", false),
	{
		Type: "contracts", Name: "Contract", List: "contracts", One: "contract", Writable: true,
		Doc: "A contract between two parties, each a company or a contact.",
		Attrs: []Attr{
			rw("name", String, "Contract title."),
			rw("number", Int, "Contract number."),
			{Name: "custom-number", Kind: String, Writable: true, Aliases: []string{"custom_number"}, Doc: "Manually entered number."},
			rw("date", Date, "Contract date (typed datetime in the docs, a bare date in every example)."),
			customs(),
			rw("archived-at", DateTime, "Archiving time."),
			ro("previous-responsible-id", NumericID, "SynergyCRM id of the previous responsible user (read-only; the docs give no relationship to read the user through)."),
			rw("created-at", DateTime, "Creation time."),
			ro("updated-at", DateTime, "Last update time (read-only)."),
			ro("cached-at", DateTime, "Cache time (read-only)."),
		},
		Rels: []Rel{
			{Key: "first-party", Targets: []string{"companies", "contacts"}, Doc: "Party 1: a company or a contact."},
			{Key: "second-party", Targets: []string{"companies", "contacts"}, Doc: "Party 2: a company or a contact."},
			one("user", "users", "Creator."),
			many("companies", "companies", "Companies."),
			many("contacts", "contacts", "Contacts."),
			many("deals", "deals", "Deals."),
			many("orders", "orders", "Orders."),
			many("estate-properties", "estate-properties", "Real-estate objects."),
		},
		Filters: append(append([]Filter{f("number", Int, "Contract with this number.")}, dateFilters()...),
			f("discarded-at-gte", DateTime, "Moved to the trash at or after this time."),
			f("discarded-at-lte", DateTime, "Moved to the trash at or before this time."),
			f("table-state-id", Int, "Contracts matching the saved table filter with this id."),
			f("q", String, "Contracts matching a search query."),
			f("archived", Int, "Archived contracts (the docs' example value is 2)."),
			f("discarded", Int, "Contracts in the trash (the docs' example value is 2)."),
			f("actual", Int, "Current contracts (the docs' example value is 2)."),
		),
	},
	{
		Type: "companies", Name: "Company", List: "companies", One: "company", Writable: true,
		Doc: "A company (organisation) in SynergyCRM.",
		Attrs: cat(
			[]Attr{req("name", String, "Company name.")},
			str("description", "Description.", "general-phone", "Phone (main).", "mobile-phone", "Phone (mobile).",
				"work-phone", "Phone (work).", "work-phone-postfix", "Work phone extension.",
				"other-phone", "Phone (additional).", "other-phone-postfix", "Additional phone extension.",
				"fax", "Fax.", "email", "E-mail.", "other-email", "E-mail (additional).", "website", "Website.",
				"country", "Country.", "region", "Region.", "city", "City.", "address", "Free-form address.",
				"zip-code", "Postal code."),
			[]Attr{customs()},
			timestamps(),
			[]Attr{rw("archived-at", DateTime, "Archiving time.")},
			address("actual", companyAddr, "Actual address"),
			address("juristic", companyAddr, "Legal address"),
			address("mailing", companyAddr, "Mailing address"),
			str("full-name", "Full legal name.", "short-name", "Short name.", "inn", "INN (taxpayer id).",
				"ogrn", "OGRN (state registration number).", "kpp", "KPP (tax registration reason code).",
				"okved", "OKVED (economic activity code).", "director", "Director.", "accountant", "Accountant.",
				"lawfulness-base", "Basis of the signatory's authority.", "manager-name", "Head's full name.",
				"manager-position", "Head's position."),
		),
		Rels: []Rel{
			one("responsible", "users", "Responsible user."),
			one("user", "users", "Creator."),
			one("source", "sources", "Source."),
			many("contacts", "contacts", "Contacts."),
			one("status", "company-statuses", "Status."),
			one("company-type", "company-types", "Company type."),
			many("deals", "deals", "Deals."),
			many("products", "products", "Products."),
			many("entities-products", "entity-products", "Specifications (line items)."),
			many("tasks", "diary-tasks", "Tasks."),
			many("events", "diary-events", "Events."),
			many("bank-details", "company-bank-details", "Bank details."),
		},
		Filters: append([]Filter{
			f("inn", String, "Companies with this INN."),
			f("kpp", String, "Companies with this KPP."),
			phone("work-phone", "Companies with this work phone."),
			phone("general-phone", "Companies with this main phone."),
			phone("other-phone", "Companies with this additional phone."),
			phone("any-phone", "Companies where any phone field holds the value."),
			f("email", String, "Companies with this e-mail."),
			f("other-email", String, "Companies with this additional e-mail."),
		}, dateFilters()...),
	},
	{
		Type: "company-bank-details", Name: "CompanyBankDetail", List: "companyBankDetails", One: "companyBankDetail", Writable: true,
		Doc: "One set of a company's bank details.",
		Attrs: append([]Attr{
			req("name", String, "Name of this set of bank details."),
			rw("bank-name", String, "Bank name."),
			rw("bik", String, "BIK (bank identification code)."),
			rw("corr-number", String, "Correspondent account."),
			rw("number", String, "Account number."),
			rw("is-default", Bool, "Whether these are the company's main bank details."),
		}, timestamps()...),
		Rels: []Rel{one("company", "companies", "The company these details belong to.")},
	},
	named("company-statuses", "CompanyStatus", "companyStatuses", "companyStatus", "A status a company can be in.", true),
	named("company-types", "CompanyType", "companyTypes", "companyType", "A type of company.", false),
	{
		Type: "deals", Name: "Deal", List: "deals", One: "deal", Writable: true,
		Doc: "A deal (sale) in a funnel.",
		Attrs: []Attr{
			rw("name", String, "Deal name."),
			rw("description", String, "Detailed description."),
			rw("amount", Decimal, "Deal amount."),
			rw("cost", Decimal, "Cost price."),
			ro("profit", Decimal, "Profit (read-only)."),
			rw("number", Int, "Deal number."),
			rw("planned-at", Date, "Planned closing date."),
			rw("finished-at", Date, "Actual closing date."),
			customs(),
			rw("created-at", DateTime, "Creation time."),
			ro("updated-at", DateTime, "Last update time (read-only)."),
			rw("archived-at", DateTime, "Archiving time."),
		},
		Rels: []Rel{
			one("responsible", "users", "Responsible user."),
			one("user", "users", "Creator."),
			one("company", "companies", "Company."),
			one("contact", "contacts", "Contact."),
			one("stage", "deal-stages", "Stage."),
			one("stage-category", "deal-stage-categories", "Funnel."),
			one("source", "sources", "Source."),
			one("status", "deal-statuses", "Status."),
			one("loss-reason", "deal-loss-reasons", "Loss reason."),
			one("loss-competitor", "competitors", "Competitor the deal was lost to."),
			one("area", "areas", "Territory."),
			many("products", "products", "Products."),
			many("deals", "deals", "Linked deals."),
			many("orders", "orders", "Orders."),
			many("entities-products", "entity-products", "Specifications (line items)."),
		},
		Filters: dateFilters(),
	},
	named("deal-loss-reasons", "DealLossReason", "dealLossReasons", "dealLossReason", "A reason a deal was lost.", false),
	{
		Type: "deal-stage-categories", Name: "DealStageCategory", List: "dealStageCategories", One: "dealStageCategory", Writable: true,
		Doc: "A deal funnel (pipeline).",
		Attrs: append([]Attr{
			req("name", String, "Funnel name."),
			{Name: "amount-calc-method", Kind: Enum, Writable: true, Required: true, EnumName: "AmountCalcMethod",
				Enum: []string{"manually", "invoices", "products", "payments", "formula"}, EnumDocs: calcMethodDocs, Doc: "How a deal's amount is computed."},
			{Name: "cost-calc-method", Kind: Enum, Writable: true, Required: true, EnumName: "CostCalcMethod",
				Enum: []string{"manually", "products", "payments", "formula"}, EnumDocs: calcMethodDocs, Doc: "How a deal's cost is computed."},
			rw("amount-calc-field", String, "Formula field used when the amount is computed by formula."),
			rw("cost-calc-field", String, "Formula field used when the cost is computed by formula."),
			rw("is-default", Bool, "Default funnel."),
			rw("win-by-diaries", Bool, "Mark the deal won when all its tasks are done."),
			ro("calculation-method", String, "Calculation method as the upstream's example shows it (e.g. `by_billings`); undocumented."),
		}, timestamps()...),
		Filters: dateFilters(),
	},
	stage("deal-stages", "DealStage", "dealStages", "dealStage", "A stage of a deal funnel.",
		[]Rel{one("deal-stage-category", "deal-stage-categories", "The funnel this stage belongs to.")}),
	named("deal-statuses", "DealStatus", "dealStatuses", "dealStatus", "A status a deal can be in.", true),
	{
		Type: "orders", Name: "Order", List: "orders", One: "order", Writable: true,
		Doc: "An order (application / request).",
		Attrs: []Attr{
			rw("name", String, "Order name."),
			rw("description", String, "Detailed description."),
			rw("amount", Decimal, "Order amount."),
			rw("number", Int, "Order number."),
			customs(),
			rw("created-at", DateTime, "Creation time."),
			ro("updated-at", DateTime, "Last update time (read-only)."),
			rw("archived-at", DateTime, "Archiving time (the docs' examples send a bare date)."),
		},
		Rels: []Rel{
			one("responsible", "users", "Responsible user."),
			one("user", "users", "Creator."),
			one("company", "companies", "Company."),
			one("contact", "contacts", "Contact."),
			one("stage", "order-stages", "Stage."),
			one("source", "sources", "Source."),
			one("status", "order-statuses", "Status."),
			one("loss-reason", "order-loss-reasons", "Loss reason."),
			one("loss-competitor", "competitors", "Competitor the order was lost to."),
			one("area", "areas", "Territory."),
			many("products", "products", "Products."),
			many("deals", "deals", "Deals."),
			many("entities-products", "entity-products", "Specifications (line items)."),
		},
		Filters: dateFilters(),
	},
	named("order-loss-reasons", "OrderLossReason", "orderLossReasons", "orderLossReason", "A reason an order was lost.", false),
	stage("order-stages", "OrderStage", "orderStages", "orderStage", "A stage of the order funnel.", nil),
	named("order-statuses", "OrderStatus", "orderStatuses", "orderStatus", "A status an order can be in.", true),
	{
		Type: "diary-events", Name: "DiaryEvent", List: "diaryEvents", One: "diaryEvent", Writable: true,
		Doc: "A diary event. The docs are cut off after its first create example; everything else follows the pattern of the other types.",
		Attrs: []Attr{
			rw("name", String, "Event name."),
			rw("description", String, "Description."),
			{Name: "start-time", Kind: DateTime, Writable: true, Layout: "2006-01-02 15:04 -0700", Doc: "Start time (the docs send `2022-02-22 12:00 +0300`)."},
		},
		Rels: []Rel{
			one("responsible", "users", "Assignee."),
			one("company", "companies", "Company."),
		},
	},
	opaque("users", "User", "A SynergyCRM user."),
	opaque("sources", "Source", "A lead source."),
	opaque("products", "Product", "A product."),
	opaque("entity-products", "EntityProduct", "A specification line (product in a deal, order, contact or company)."),
	opaque("diary-tasks", "DiaryTask", "A diary task."),
	opaque("competitors", "Competitor", "A competitor."),
	opaque("areas", "Area", "A territory."),
	opaque("estate-properties", "EstateProperty", "A real-estate object."),
}
