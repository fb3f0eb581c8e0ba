package emulator

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmgateway/gateway/internal/synergyspec"
)

// seeder builds the deterministic seed: a fixed PRNG, fixed dates, and every
// link made through store.setLinks so both sides of a pair agree.
type seeder struct {
	s   *store
	rng *rand.Rand
}

// seedEpoch is the docs' example timestamp, where the seed's history starts.
var seedEpoch = time.Date(2022, 2, 22, 12, 2, 22, 222e6, synergyspec.FilterZone)

func seed(s *store) {
	sd := &seeder{s: s, rng: rand.New(rand.NewPCG(2022, 222))}
	sd.run()
}

func ts(t time.Time) string { return t.In(synergyspec.FilterZone).Format(wireTime) }

func num(n int) json.Number { return json.Number(strconv.Itoa(n)) }

// add stores a record with the given attributes and linkage.
func (sd *seeder) add(typ string, attrs map[string]any, rels map[string][]ref) *record {
	rec := sd.s.create(typ)
	for k, v := range attrs {
		if _, ok := rec.attrs[k]; !ok {
			panic(fmt.Sprintf("seed: %s has no attribute %q", typ, k))
		}
		rec.attrs[k] = v
	}
	keys := make([]string, 0, len(rels))
	for k := range rels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if _, ok := relSpec(typ, k); !ok {
			panic(fmt.Sprintf("seed: %s has no relationship %q", typ, k))
		}
		sd.s.setLinks(rec, k, rels[k])
	}
	return rec
}

func (sd *seeder) n(k int) int { return sd.rng.IntN(k) }

func (sd *seeder) chance(pct int) bool { return sd.rng.IntN(100) < pct }

// moment is a time within days of from, at a working hour, with
// milliseconds, like the docs' timestamps.
func (sd *seeder) moment(from time.Time, days int) time.Time {
	d := from.AddDate(0, 0, sd.n(max(days, 1)))
	y, m, dd := d.Date()
	return time.Date(y, m, dd, 9+sd.n(9), sd.n(60), sd.n(60), sd.n(1000)*1e6, synergyspec.FilterZone)
}

// stamps returns created-at and a later updated-at.
func (sd *seeder) stamps(from time.Time, days int) (string, string, time.Time) {
	c := sd.moment(from, days)
	u := c.Add(time.Duration(sd.n(200*24)) * time.Hour).Add(time.Duration(sd.n(3600)) * time.Second)
	return ts(c), ts(u), c
}

func refs(recs ...*record) []ref {
	out := make([]ref, 0, len(recs))
	for _, r := range recs {
		if r != nil {
			out = append(out, r.ref())
		}
	}
	return out
}

func pick[T any](sd *seeder, xs []T) T { return xs[sd.n(len(xs))] }

// some returns k distinct random elements of xs.
func some[T any](sd *seeder, xs []T, k int) []T {
	idx := sd.rng.Perm(len(xs))[:min(k, len(xs))]
	slices.Sort(idx)
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = xs[j]
	}
	return out
}

var translitMap = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z", 'и': "i",
	'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "",
	'э': "e", 'ю': "yu", 'я': "ya",
}

// translit spells Russian text in Latin letters for e-mails and domains.
func translit(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case translitMap[r] != "" || r == 'ъ' || r == 'ь':
			b.WriteString(translitMap[r])
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// inn builds a valid 10-digit legal-entity INN (with its check digit).
func inn(region string, body int) string {
	d := region + fmt.Sprintf("%02d", body%100) + fmt.Sprintf("%05d", (body*7919)%100000)
	w := []int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	sum := 0
	for i, c := range d {
		sum += int(c-'0') * w[i]
	}
	return d + strconv.Itoa(sum%11%10)
}

// ogrn builds a valid 13-digit OGRN (with its check digit).
func ogrn(year int, region string, body int) string {
	d := "1" + fmt.Sprintf("%02d", year%100) + region + fmt.Sprintf("%07d", (body*104729)%10000000)
	n, _ := strconv.ParseInt(d, 10, 64)
	return d + strconv.FormatInt(n%11%10, 10)
}

func money(rub, kop int) string {
	if kop == 0 {
		return strconv.Itoa(rub) + ".0"
	}
	return fmt.Sprintf("%d.%02d", rub, kop)
}

func (sd *seeder) phone(code string) string {
	return "+7" + code + fmt.Sprintf("%07d", sd.n(10000000))
}

func (sd *seeder) mobile() string {
	return "+79" + fmt.Sprintf("%02d", 10+sd.n(90)) + fmt.Sprintf("%07d", sd.n(10000000))
}

func initials(first, middle, last string) string {
	f := []rune(first)
	m := []rune(middle)
	return fmt.Sprintf("%s %c.%c.", last, f[0], m[0])
}

// world holds the seeded records later records link to.
type world struct {
	users, sources, products, entityProducts, tasks, competitors, areas, estates []*record
	contactStatuses, contactTypes, companyStatuses, companyTypes                 []*record
	funnels                                                                      []*record
	stages                                                                       [][]*record
	dealStatuses, dealLossReasons                                                []*record
	orderStages, orderStatuses, orderLossReasons                                 []*record
	companies, contacts, deals, orders                                           []*record
	companyContacts                                                              map[int][]*record
	companyCity                                                                  map[int]city
}

func (sd *seeder) run() {
	w := &world{companyContacts: map[int][]*record{}, companyCity: map[int]city{}}
	sd.reference(w)
	sd.companies(w)
	sd.contacts(w)
	sd.events(w)
	sd.deals(w)
	sd.orders(w)
	sd.contracts(w)
}

// named adds the statuses, types and reasons: a name, maybe a colour, timestamps.
func (sd *seeder) named(typ string, names []string, colors []string) []*record {
	var out []*record
	for i, n := range names {
		c, u, _ := sd.stamps(seedEpoch.AddDate(0, 0, i), 3)
		attrs := map[string]any{"name": n, "created-at": c, "updated-at": u}
		if colors != nil {
			attrs["color"] = colors[i]
		}
		out = append(out, sd.add(typ, attrs, nil))
	}
	return out
}

func (sd *seeder) reference(w *world) {
	for i, u := range users {
		w.users = append(w.users, sd.add("users", map[string]any{
			"name": u.name, "email": u.email, "phone": "+7843" + fmt.Sprintf("%07d", 2220000+i*111),
			"position": u.position, "created-at": ts(seedEpoch.AddDate(0, 0, -30+i)),
		}, nil))
	}
	for i, s := range sources {
		w.sources = append(w.sources, sd.add("sources", map[string]any{"name": s, "created-at": ts(seedEpoch.AddDate(0, 0, -20+i))}, nil))
	}
	for i, p := range products {
		w.products = append(w.products, sd.add("products", map[string]any{
			"name": p.name, "sku": p.sku, "price": json.Number(p.price), "unit": p.unit,
			"created-at": ts(seedEpoch.AddDate(0, 0, -10+i)),
		}, nil))
	}
	for i := range 24 {
		p := products[i%len(products)]
		qty := 1 + sd.n(10)
		discount := []int{0, 0, 5, 10}[sd.n(4)]
		price, _ := strconv.ParseFloat(p.price, 64)
		amount := float64(qty) * price * float64(100-discount) / 100
		w.entityProducts = append(w.entityProducts, sd.add("entity-products", map[string]any{
			"name": p.name, "quantity": num(qty), "price": json.Number(p.price), "discount": num(discount),
			"amount": json.Number(strconv.FormatFloat(amount, 'f', 2, 64)),
		}, nil))
	}
	for i := range 15 {
		c, _, at := sd.stamps(seedEpoch.AddDate(0, i, 0), 20)
		w.tasks = append(w.tasks, sd.add("diary-tasks", map[string]any{
			"name": taskNames[i%len(taskNames)], "description": "Задача из плана продаж на неделю",
			"deadline": ts(at.AddDate(0, 0, 3)), "done": i%3 == 0, "created-at": c,
		}, nil))
	}
	for _, c := range competitors {
		w.competitors = append(w.competitors, sd.add("competitors", map[string]any{"name": c.name, "website": c.website}, nil))
	}
	for _, a := range areas {
		w.areas = append(w.areas, sd.add("areas", map[string]any{"name": a}, nil))
	}
	for _, e := range estate {
		w.estates = append(w.estates, sd.add("estate-properties", map[string]any{
			"name": e.name, "address": e.address, "area": json.Number(e.area), "cadastral-number": e.cadastral,
		}, nil))
	}
	names := func(xs []struct{ name, color string }) ([]string, []string) {
		var n, c []string
		for _, x := range xs {
			n, c = append(n, x.name), append(c, x.color)
		}
		return n, c
	}
	n, c := names(contactStatuses)
	w.contactStatuses = sd.named("contact-statuses", n, c)
	w.contactTypes = sd.named("contact-types", contactTypes, nil)
	n, c = names(companyStatuses)
	w.companyStatuses = sd.named("company-statuses", n, c)
	w.companyTypes = sd.named("company-types", companyTypes, nil)
	for i, f := range funnels {
		cr, up, _ := sd.stamps(seedEpoch.AddDate(0, 0, i), 2)
		attrs := map[string]any{
			"name": f.name, "amount-calc-method": f.amountMethod, "cost-calc-method": f.costMethod,
			"is-default": f.isDefault, "win-by-diaries": f.winByDiaries, "created-at": cr, "updated-at": up,
		}
		if f.amountField != "" {
			attrs["amount-calc-field"] = f.amountField
		}
		if f.costField != "" {
			attrs["cost-calc-field"] = f.costField
		}
		if f.calcMethod != "" {
			attrs["calculation-method"] = f.calcMethod
		}
		w.funnels = append(w.funnels, sd.add("deal-stage-categories", attrs, nil))
	}
	for i, f := range funnels {
		var stages []*record
		for j, name := range f.stages {
			cr, up, _ := sd.stamps(seedEpoch.AddDate(0, 0, i), 2)
			stages = append(stages, sd.add("deal-stages", map[string]any{
				"name": name, "duration": num(20000 + 10000*j), "next-if-items-done": j%2 == 1,
				"description": j == 0, "color": stageColors[j%len(stageColors)], "created-at": cr, "updated-at": up,
			}, map[string][]ref{"deal-stage-category": refs(w.funnels[i])}))
		}
		w.stages = append(w.stages, stages)
	}
	n, c = names(dealStatuses)
	w.dealStatuses = sd.named("deal-statuses", n, c)
	w.dealLossReasons = sd.named("deal-loss-reasons", dealLossReasons, nil)
	for j, name := range orderStages {
		cr, up, _ := sd.stamps(seedEpoch, 2)
		w.orderStages = append(w.orderStages, sd.add("order-stages", map[string]any{
			"name": name, "duration": num(20000 + 5000*j), "next-if-items-done": false,
			"description": j == 0, "color": stageColors[j%len(stageColors)], "created-at": cr, "updated-at": up,
		}, nil))
	}
	n, c = names(orderStatuses)
	w.orderStatuses = sd.named("order-statuses", n, c)
	w.orderLossReasons = sd.named("order-loss-reasons", orderLossReasons, nil)
}

type person struct{ first, middle, last string }

func (sd *seeder) person(i int) person {
	female := i%2 == 1
	stem := pick(sd, patronymicStems)
	last := lastNames[(i*7+sd.n(3))%len(lastNames)]
	if female {
		return person{pick(sd, femaleFirst), stem + "на", last + "а"}
	}
	return person{pick(sd, maleFirst), stem + "ич", last}
}

func (sd *seeder) companies(w *world) {
	for i := range 40 {
		name := companyNames[i]
		cy := cities[(i*3+i/7)%len(cities)]
		ind := industries[i%len(industries)]
		form, full := "ООО", "Общество с ограниченной ответственностью"
		if i%4 == 3 {
			form, full = "АО", "Акционерное общество"
		}
		street := pick(sd, cy.streets)
		house := strconv.Itoa(1 + sd.n(120))
		office := strconv.Itoa(100 + sd.n(400))
		zip := cy.zip + fmt.Sprintf("%02d", sd.n(100))
		dom := translit(name)
		if i == 0 {
			cy, street, house, office, zip, dom = cities[3], "ул. Университетская", "7", "503", "420500", "syncrm"
		}
		domain := dom + ".ru"
		taxRegion := regionINN[cy.region]
		innV := inn(taxRegion, 1000+i*37)
		director := sd.person(i)
		accountant := sd.person(i + 1)
		cr, up, at := sd.stamps(seedEpoch.AddDate(0, 0, i*9), 9)
		attrs := map[string]any{
			"name": form + " " + name, "description": ind.description,
			"general-phone": strings.TrimPrefix(sd.phone(cy.phoneCode), "+"),
			"work-phone":    strings.TrimPrefix(sd.phone(cy.phoneCode), "+"),
			"email":         "info@" + domain, "website": domain,
			"country": "Россия", "region": cy.region, "city": cy.name,
			"address":    fmt.Sprintf("%s, д. %s, офис %s", street, house, office),
			"zip-code":   zip,
			"created-at": cr, "updated-at": up,
			"full-name": full + " «" + name + "»", "short-name": form + ` "` + name + `"`,
			"inn": innV, "kpp": innV[:4] + "01001", "ogrn": ogrn(at.Year()-1-i%8, taxRegion, 2000+i*53),
			"okved": ind.okved, "director": initials(director.first, director.middle, director.last),
			"accountant":       initials(accountant.first, accountant.middle, accountant.last),
			"manager-name":     initials(director.first, director.middle, director.last),
			"manager-position": "Генеральный директор",
		}
		if i%3 != 2 {
			attrs["lawfulness-base"] = "Устав"
		}
		if i%2 == 0 {
			attrs["mobile-phone"] = strings.TrimPrefix(sd.mobile(), "+")
		}
		if i%5 == 1 {
			attrs["other-phone"] = strings.TrimPrefix(sd.phone(cy.phoneCode), "+")
			attrs["other-phone-postfix"] = strconv.Itoa(100 + sd.n(900))
			attrs["other-email"] = "buh@" + domain
		}
		if i%4 == 0 {
			attrs["work-phone-postfix"] = "200"
			attrs["fax"] = strings.TrimPrefix(sd.phone(cy.phoneCode), "+")
		}
		for _, p := range []string{"actual", "juristic", "mailing"} {
			attrs[p+"-country"] = "Россия"
			attrs[p+"-region"] = cy.region
			attrs[p+"-city"] = cy.name
			attrs[p+"-zip-code"] = zip
			attrs[p+"-street"] = street
			attrs[p+"-house"] = house
			attrs[p+"-office"] = office
		}
		attrs["actual-build"] = strconv.Itoa(1 + sd.n(3))
		switch i % 3 {
		case 0:
			attrs["customs"] = map[string]any{"custom-98": "", "custom-9": ""}
		case 1:
			attrs["customs"] = map[string]any{"custom-9": "Ключевой клиент", "custom-98": ts(at.AddDate(0, 1, 0))}
		}
		if i%10 == 9 {
			attrs["archived-at"] = ts(at.AddDate(0, 6, 3))
		}
		rels := map[string][]ref{
			"responsible":  refs(w.users[1+i%7]),
			"user":         refs(w.users[i%3]),
			"source":       refs(w.sources[i%len(w.sources)]),
			"status":       refs(w.companyStatuses[i%len(w.companyStatuses)]),
			"company-type": refs(w.companyTypes[i%len(w.companyTypes)]),
		}
		if i%3 == 0 {
			rels["products"] = refs(some(sd, w.products, 1+sd.n(3))...)
		}
		if i%5 == 0 {
			rels["entities-products"] = refs(w.entityProducts[(i/5)%len(w.entityProducts)])
		}
		if i%4 == 1 {
			rels["tasks"] = refs(w.tasks[i%len(w.tasks)])
		}
		co := sd.add("companies", attrs, rels)
		w.companies = append(w.companies, co)
		w.companyCity[co.id] = cy

		for j := range 1 + boolInt(i%3 == 0) {
			b := banks[(i+j)%len(banks)]
			bc, bu, _ := sd.stamps(at, 5)
			name := "Основной расчётный счёт"
			if j > 0 {
				name = "Дополнительный счёт"
			}
			sd.add("company-bank-details", map[string]any{
				"name": name, "bank-name": b.name, "bik": b.bik, "corr-number": b.corr,
				"number":     "40702810" + fmt.Sprintf("%012d", (i*1000003+j*7777)%1000000000000),
				"is-default": j == 0, "created-at": bc, "updated-at": bu,
			}, map[string][]ref{"company": refs(co)})
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (sd *seeder) contacts(w *world) {
	for i := range 60 {
		p := sd.person(i)
		if i == 0 {
			p = person{"Иван", "Иванович", "Иванов"}
		}
		var companies []*record
		if i%6 != 5 {
			companies = append(companies, w.companies[(i*7)%len(w.companies)])
			if i%5 == 0 {
				companies = append(companies, w.companies[(i*7+11)%len(w.companies)])
			}
		}
		cy := pick(sd, cities)
		work := cy
		if len(companies) > 0 {
			work = w.companyCity[companies[0].id]
		}
		login := translit(p.first)[:1] + "." + translit(p.last)
		cr, up, at := sd.stamps(seedEpoch.AddDate(0, 0, i*6), 6)
		attrs := map[string]any{
			"first-name": p.first, "last-name": p.last, "middle-name": p.middle,
			"mobile-phone": sd.mobile(),
			"email":        login + "@" + []string{"mail.ru", "yandex.ru", "gmail.com", "bk.ru"}[i%4],
			"created-at":   cr, "updated-at": up,
			"home-country": "Россия", "home-region": cy.region, "home-city": cy.name,
			"home-zipcode": cy.zip + fmt.Sprintf("%02d", sd.n(100)), "home-street": pick(sd, cy.streets),
			"home-building":  strconv.Itoa(1+sd.n(90)) + []string{"", "", "а", "б"}[sd.n(4)],
			"home-apartment": strconv.Itoa(1 + sd.n(300)),
		}
		if sd.chance(30) {
			attrs["home-housing"] = strconv.Itoa(1 + sd.n(3))
		}
		if i%3 != 2 {
			attrs["work-phone"] = sd.phone(work.phoneCode)
			attrs["work-country"] = "Россия"
			attrs["work-region"] = work.region
			attrs["work-city"] = work.name
			attrs["work-zipcode"] = work.zip + fmt.Sprintf("%02d", sd.n(100))
			attrs["work-street"] = pick(sd, work.streets)
			attrs["work-building"] = strconv.Itoa(1 + sd.n(120))
			attrs["work-apartment"] = strconv.Itoa(100 + sd.n(400))
			if i%4 == 0 {
				attrs["work-phone-postfix"] = "200"
			}
		}
		if i%4 == 1 {
			attrs["general-phone"] = sd.phone(cy.phoneCode)
		}
		if i%7 == 3 {
			attrs["other-phone"] = sd.mobile()
			attrs["other-phone-postfix"] = strconv.Itoa(10 + sd.n(90))
		}
		if i%9 == 4 {
			attrs["fax"] = sd.phone(work.phoneCode)
		}
		if len(companies) > 0 && i%2 == 0 {
			attrs["other-email"] = login + "@" + stringAttr(companies[0], "website")
		}
		if i%3 == 0 {
			attrs["description"] = contactRoles[(i/3)%len(contactRoles)]
		}
		if i%2 == 0 {
			attrs["customs"] = map[string]any{"custom-1": contactRoles[i%len(contactRoles)], "custom-943": ts(at.AddDate(0, 2, 0))}
		}
		if i%12 == 11 {
			attrs["archived-at"] = ts(at.AddDate(0, 8, 1))
		}
		nick := translit(p.first) + "_" + translit(p.last)
		if i%2 == 0 {
			attrs["telegram"] = "t.me/" + nick
			attrs["whatsapp"] = "wa.me/" + digits(attrs["mobile-phone"].(string))
		}
		if i%3 == 0 {
			attrs["vkontakte"] = "vk.com/" + nick
		}
		if i%5 == 2 {
			attrs["viber"] = "viber://chat?number=" + attrs["mobile-phone"].(string)
			attrs["skype"] = "skype:" + nick
		}
		if i == 0 {
			attrs["work-phone"] = "+79876543211"
			attrs["email"] = "help@syncrm.ru"
			attrs["website"] = "syncrm.ru"
			attrs["description"] = "Описание"
			attrs["work-city"], attrs["work-region"], attrs["work-street"] = "Иннополис", "Республика Татарстан", "ул. Университетская"
			attrs["work-zipcode"], attrs["work-building"], attrs["work-housing"], attrs["work-apartment"] = "420500", "22а", "2", "123"
			attrs["customs"] = map[string]any{"custom-1": "Значение", "custom-943": "2022-02-22T12:02:22.222+03:00"}
		}
		rels := map[string][]ref{
			"responsible":  refs(w.users[1+i%7]),
			"user":         refs(w.users[i%4]),
			"source":       refs(w.sources[i%len(w.sources)]),
			"status":       refs(w.contactStatuses[i%len(w.contactStatuses)]),
			"contact-type": refs(w.contactTypes[i%len(w.contactTypes)]),
			"companies":    refs(companies...),
		}
		if i%4 == 2 {
			rels["products"] = refs(some(sd, w.products, 1+sd.n(2))...)
		}
		if i%6 == 1 {
			rels["entities-products"] = refs(w.entityProducts[(i+8)%len(w.entityProducts)])
		}
		if i%5 == 3 {
			rels["tasks"] = refs(some(sd, w.tasks, 1+sd.n(2))...)
		}
		ct := sd.add("contacts", attrs, rels)
		w.contacts = append(w.contacts, ct)
		for _, co := range companies {
			w.companyContacts[co.id] = append(w.companyContacts[co.id], ct)
		}
	}
}

func (sd *seeder) events(w *world) {
	for i := range 30 {
		co := w.companies[(i*3)%len(w.companies)]
		at := sd.moment(seedEpoch.AddDate(0, 0, 30+i*25), 20)
		at = at.Truncate(15 * time.Minute)
		attrs := map[string]any{
			"name":        eventNames[i%len(eventNames)],
			"description": fmt.Sprintf("%s: %s", eventNames[i%len(eventNames)], stringAttr(co, "name")),
			"start-time":  at.Format("2006-01-02 15:04 -0700"),
		}
		rels := map[string][]ref{"responsible": refs(w.users[1+i%7])}
		if i%6 != 5 {
			rels["company"] = refs(co)
		}
		ev := sd.add("diary-events", attrs, rels)
		if cs := w.companyContacts[co.id]; len(cs) > 0 && i%2 == 0 {
			ct := cs[i%len(cs)]
			sd.s.setLinks(ct, "events", append(slices.Clone(ct.rels["events"]), ev.ref()))
		}
	}
}

func (sd *seeder) deals(w *world) {
	for i := range 80 {
		var co, ct *record
		if i%10 != 7 {
			co = w.companies[(i*13+i/9)%len(w.companies)]
			if cs := w.companyContacts[co.id]; len(cs) > 0 {
				ct = cs[i%len(cs)]
			}
		} else if i%20 == 7 {
			ct = w.contacts[(i*11)%len(w.contacts)]
		}
		f := 0
		if i%5 == 3 {
			f = 1
		} else if i%7 == 4 {
			f = 2
		}
		stages := w.stages[f]
		stageIdx := sd.n(len(stages))
		cr, up, at := sd.stamps(seedEpoch.AddDate(0, 0, 20+i*15), 15)
		status := w.dealStatuses[1] // В работе
		var lossReason, lossCompetitor *record
		switch {
		case stageIdx == len(stages)-1:
			status = w.dealStatuses[2]
		case i%6 == 5:
			status = w.dealStatuses[3]
			lossReason = w.dealLossReasons[i%len(w.dealLossReasons)]
			if lossReason == w.dealLossReasons[1] {
				lossCompetitor = w.competitors[i%len(w.competitors)]
			}
		case stageIdx == 0:
			status = w.dealStatuses[0]
		case i%11 == 10:
			status = w.dealStatuses[4]
		}
		rub := 15000 + sd.n(5000000)
		kop := []int{0, 0, 50, 99, sd.n(100)}[sd.n(5)]
		if i == 0 {
			rub, kop = 2200000, 50
		}
		amount := money(rub, kop)
		subject := dealSubjects[i%len(dealSubjects)]
		name := subject
		if co != nil {
			name += " — " + stringAttr(co, "name")
		}
		attrs := map[string]any{
			"name": name, "amount": json.Number(amount), "number": num(i + 1),
			"planned-at": sd.moment(at, 90).AddDate(0, 1, 0).Format(time.DateOnly),
			"created-at": cr, "updated-at": up,
		}
		if i%4 != 3 {
			r := []rune(subject)
			attrs["description"] = "Клиент заинтересован: " + strings.ToLower(string(r[:1])) + string(r[1:])
		}
		if i%5 != 4 {
			c := rub * (55 + sd.n(30)) / 100
			attrs["cost"] = json.Number(money(c, []int{0, 25, 40}[sd.n(3)]))
		}
		if status == w.dealStatuses[2] || status == w.dealStatuses[3] {
			attrs["finished-at"] = sd.moment(at, 60).AddDate(0, 0, 20).Format(time.DateOnly)
		}
		if i%3 == 0 {
			attrs["customs"] = map[string]any{"custom-1": []string{"Тендер", "Повторная продажа", "Новый клиент"}[(i/3)%3], "custom-943": ts(at.AddDate(0, 0, 45))}
		}
		if i%16 == 15 {
			attrs["archived-at"] = ts(at.AddDate(0, 10, 0))
		}
		attrs["profit"] = profit(attrs["amount"], attrs["cost"])
		rels := map[string][]ref{
			"responsible":     refs(w.users[1+i%7]),
			"user":            refs(w.users[i%5]),
			"company":         refs(co),
			"contact":         refs(ct),
			"stage":           refs(stages[stageIdx]),
			"stage-category":  refs(w.funnels[f]),
			"source":          refs(w.sources[i%len(w.sources)]),
			"status":          refs(status),
			"loss-reason":     refs(lossReason),
			"loss-competitor": refs(lossCompetitor),
			"area":            refs(w.areas[i%len(w.areas)]),
		}
		if i%3 == 1 {
			rels["products"] = refs(some(sd, w.products, 1+sd.n(3))...)
		}
		if i%4 == 0 {
			rels["entities-products"] = refs(w.entityProducts[(i/4)%len(w.entityProducts)], w.entityProducts[(i/4+5)%len(w.entityProducts)])
		}
		if i%9 == 8 && len(w.deals) > 0 {
			rels["deals"] = refs(w.deals[i-1-sd.n(min(i, 5))])
		}
		w.deals = append(w.deals, sd.add("deals", attrs, rels))
	}
}

func (sd *seeder) orders(w *world) {
	for i := range 40 {
		var co, ct *record
		if i%8 != 6 {
			co = w.companies[(i*17+3)%len(w.companies)]
			if cs := w.companyContacts[co.id]; len(cs) > 0 {
				ct = cs[i%len(cs)]
			}
		} else {
			ct = w.contacts[(i*5+1)%len(w.contacts)]
		}
		cr, up, at := sd.stamps(seedEpoch.AddDate(0, 0, 40+i*30), 30)
		stage := w.orderStages[sd.n(len(w.orderStages))]
		status := w.orderStatuses[0]
		var lossReason *record
		switch {
		case stage == w.orderStages[len(w.orderStages)-1]:
			status = w.orderStatuses[1]
		case i%7 == 5:
			status = w.orderStatuses[2]
			lossReason = w.orderLossReasons[i%len(w.orderLossReasons)]
		case i%9 == 8:
			status = w.orderStatuses[3]
		}
		amount := money(1000+sd.n(400000), []int{0, 0, 50, 90}[sd.n(4)])
		if i == 0 {
			amount = "2222.0"
		}
		attrs := map[string]any{
			"name":   orderSubjects[i%len(orderSubjects)],
			"amount": amount, "number": num(i + 1),
			"created-at": cr, "updated-at": up,
		}
		if i%3 != 1 {
			attrs["description"] = "Поступила от клиента, требуется расчёт стоимости"
		}
		if i%2 == 0 {
			attrs["customs"] = map[string]any{"custom-11": "Срочно", "custom-43": ts(at.AddDate(0, 0, 7))}
		}
		switch i % 10 {
		case 9:
			attrs["archived-at"] = ts(at.AddDate(0, 3, 0))
		case 4:
			if i == 4 {
				attrs["archived-at"] = at.AddDate(0, 2, 0).Format(time.DateOnly) // the docs' bare-date form
			}
		}
		rels := map[string][]ref{
			"responsible": refs(w.users[1+i%7]),
			"user":        refs(w.users[i%3]),
			"company":     refs(co),
			"contact":     refs(ct),
			"stage":       refs(stage),
			"source":      refs(w.sources[(i+2)%len(w.sources)]),
			"status":      refs(status),
			"loss-reason": refs(lossReason),
			"area":        refs(w.areas[(i+1)%len(w.areas)]),
		}
		if i%4 == 1 {
			rels["products"] = refs(some(sd, w.products, 1+sd.n(2))...)
		}
		if i%5 == 2 {
			rels["entities-products"] = refs(w.entityProducts[(i+3)%len(w.entityProducts)])
		}
		if co != nil && i%2 == 0 {
			for _, d := range w.deals {
				if slices.Contains(d.rels["company"], co.ref()) {
					rels["deals"] = refs(d)
					break
				}
			}
		}
		w.orders = append(w.orders, sd.add("orders", attrs, rels))
	}
}

func (sd *seeder) contracts(w *world) {
	for i := range 30 {
		kind := contractKinds[i%len(contractKinds)]
		cr, up, at := sd.stamps(seedEpoch.AddDate(0, 0, 10+i*40), 40)
		year := at.Year()
		attrs := map[string]any{
			"name":          kind.name,
			"number":        num(i + 1),
			"custom-number": fmt.Sprintf("%s-%d/%03d", kind.prefix, year, i+1),
			"date":          at.Format(time.DateOnly),
			"created-at":    cr, "updated-at": up, "cached-at": up,
		}
		if i == 21 {
			attrs["number"], attrs["custom-number"] = num(22), "abc-22"
		}
		if i%3 == 0 {
			attrs["customs"] = map[string]any{"custom-1": "Значение", "custom-943": ts(at.AddDate(1, 0, 0))}
		}
		if i%4 == 2 {
			attrs["previous-responsible-id"] = num(w.users[(i+3)%len(w.users)].id)
		}
		if i%7 == 6 {
			attrs["archived-at"] = ts(at.AddDate(0, 9, 0))
		}
		var first, second *record
		if i%3 == 1 {
			first = w.contacts[(i*7)%len(w.contacts)]
		} else {
			first = w.companies[(i*5)%len(w.companies)]
		}
		if i%4 == 3 {
			second = w.contacts[(i*3+2)%len(w.contacts)]
		} else {
			second = w.companies[(i*5+7)%len(w.companies)]
		}
		if kind.name == "Трудовой договор" {
			first, second = w.companies[0], w.contacts[(i*3)%len(w.contacts)]
		}
		var companies, contacts []*record
		for _, p := range []*record{first, second} {
			if p.typ == "companies" {
				companies = append(companies, p)
			} else {
				contacts = append(contacts, p)
			}
		}
		rels := map[string][]ref{
			"first-party":  refs(first),
			"second-party": refs(second),
			"user":         refs(w.users[i%len(w.users)]),
			"companies":    refs(companies...),
			"contacts":     refs(contacts...),
		}
		for _, d := range w.deals {
			if len(companies) > 0 && slices.Contains(d.rels["company"], companies[0].ref()) {
				rels["deals"] = refs(d)
				for _, o := range w.orders {
					if slices.Contains(o.rels["deals"], d.ref()) {
						rels["orders"] = refs(o)
						break
					}
				}
				break
			}
		}
		if kind.name == "Договор аренды" {
			rels["estate-properties"] = refs(w.estates[(i/6)%len(w.estates)])
		}
		rec := sd.add("contracts", attrs, rels)
		if i%10 == 4 {
			rec.discardedAt = at.AddDate(0, 4, 0)
		}
	}
}
