package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Bodies are read strictly, with the exact key casing of the docs: a key
// the docs do not show, or a value that is not a string, is refused with
// the key in details, so a drift in what the adapter sends fails a test.

func object(body []byte) (map[string]json.RawMessage, *apiError) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, badRequest("body", "Тело запроса должно быть объектом JSON")
	}
	return m, nil
}

func stringFields(m map[string]json.RawMessage, allowed ...string) (map[string]string, *apiError) {
	out := map[string]string{}
	for k, raw := range m {
		if !slices.Contains(allowed, k) {
			return nil, badRequest(k, "Неизвестное поле "+k)
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, badRequest(k, "Поле "+k+" должно быть строкой")
		}
		out[k] = s
	}
	return out, nil
}

func stringBody(body []byte, allowed ...string) (map[string]string, *apiError) {
	m, err := object(body)
	if err != nil {
		return nil, err
	}
	return stringFields(m, allowed...)
}

func (e *Emulator) listCities(q url.Values) (any, *apiError) {
	id, err := param(q, "countryId")
	if err != nil {
		return nil, err
	}
	if _, ok := findRef(e.st.countries, id); !ok {
		return nil, notFound("Страна", id)
	}
	return plainList(byName(e.st.cities[id])), nil
}

func (e *Emulator) createCity(q url.Values, body []byte) (any, *apiError) {
	country, err := param(q, "countryId")
	if err != nil {
		return nil, err
	}
	if _, ok := findRef(e.st.countries, country); !ok {
		return nil, notFound("Страна", country)
	}
	f, err := stringBody(body, "Name")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(f["Name"]) == "" {
		return nil, badRequest("Name", "Не указано наименование города")
	}
	c := ref{ID: e.st.newID(), Name: f["Name"]}
	e.st.cities[country] = append(e.st.cities[country], c)
	return c.plain(), nil
}

func (e *Emulator) updateCity(q url.Values, body []byte) (any, *apiError) {
	id, err := param(q, "Id")
	if err != nil {
		return nil, err
	}
	country, _, ok := e.st.cityCountry(id)
	if !ok {
		return nil, notFound("Город", id)
	}
	f, err := stringBody(body, "Name")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(f["Name"]) == "" {
		return nil, badRequest("Name", "Не указано наименование города")
	}
	i, _ := findRef(e.st.cities[country], id)
	e.st.cities[country][i].Name = f["Name"]
	for _, c := range e.st.clients {
		for j := range c.Addresses {
			if c.Addresses[j].CityID == id {
				c.Addresses[j].City = f["Name"]
			}
		}
	}
	return e.st.cities[country][i].plain(), nil
}

func (e *Emulator) deleteCity(q url.Values) (any, *apiError) {
	id, err := param(q, "Id")
	if err != nil {
		return nil, err
	}
	country, _, ok := e.st.cityCountry(id)
	if !ok {
		return nil, notFound("Город", id)
	}
	if e.st.cityInUse(id) {
		return nil, &apiError{code: CodeInUse, text: "Город используется в адресах клиентов", details: "Id"}
	}
	i, _ := findRef(e.st.cities[country], id)
	e.st.cities[country] = slices.Delete(e.st.cities[country], i, i+1)
	delete(e.st.streets, id)
	delete(e.st.metro, id)
	return map[string]string{"id": id}, nil
}

func (e *Emulator) createStreet(q url.Values, body []byte) (any, *apiError) {
	city, err := param(q, "cityId")
	if err != nil {
		return nil, err
	}
	if _, _, ok := e.st.cityCountry(city); !ok {
		return nil, notFound("Город", city)
	}
	f, err := stringBody(body, "Name", "PostCode")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(f["Name"]) == "" {
		return nil, badRequest("Name", "Не указано наименование улицы")
	}
	s := ref{ID: e.st.newID(), Name: f["Name"], PostCode: f["PostCode"]}
	e.st.streets[city] = append(e.st.streets[city], s)
	return s.street(), nil
}

// updateStreet replaces the street's name and post code: the docs show
// both in the body, and the emulator takes an absent one as empty (the
// adapter therefore always sends both).
func (e *Emulator) updateStreet(q url.Values, body []byte) (any, *apiError) {
	id, err := param(q, "Id")
	if err != nil {
		return nil, err
	}
	city, i, ok := e.st.streetCity(id)
	if !ok {
		return nil, notFound("Улица", id)
	}
	f, err := stringBody(body, "Name", "PostCode")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(f["Name"]) == "" {
		return nil, badRequest("Name", "Не указано наименование улицы")
	}
	s := &e.st.streets[city][i]
	s.Name, s.PostCode = f["Name"], f["PostCode"]
	for _, c := range e.st.clients {
		for j := range c.Addresses {
			if c.Addresses[j].StreetID == id {
				c.Addresses[j].Street = s.Name
			}
		}
	}
	return s.street(), nil
}

func (e *Emulator) deleteStreet(q url.Values) (any, *apiError) {
	id, err := param(q, "Id")
	if err != nil {
		return nil, err
	}
	city, i, ok := e.st.streetCity(id)
	if !ok {
		return nil, notFound("Улица", id)
	}
	if e.st.streetInUse(id) {
		return nil, &apiError{code: CodeInUse, text: "Улица используется в адресах клиентов", details: "Id"}
	}
	e.st.streets[city] = slices.Delete(e.st.streets[city], i, i+1)
	return map[string]string{"id": id}, nil
}

var addressKeys = []string{"typeId", "countryId", "zip", "region", "cityId", "streetId", "house",
	"building", "entry", "floor", "apartments", "entryCode", "dopInfo"}

// applyAddress sets the given fields on a, checks the references and fills
// the names the upstream derives from the ids.
func (e *Emulator) applyAddress(a *address, f map[string]string) *apiError {
	set := func(k string, dst *string) {
		if v, ok := f[k]; ok {
			*dst = v
		}
	}
	set("typeId", &a.TypeID)
	set("countryId", &a.CountryID)
	set("zip", &a.Zip)
	set("region", &a.Region)
	set("cityId", &a.CityID)
	set("streetId", &a.StreetID)
	set("house", &a.House)
	set("building", &a.Building)
	set("entry", &a.Entry)
	set("floor", &a.Floor)
	set("apartments", &a.Apartments)
	set("entryCode", &a.EntryCode)
	set("dopInfo", &a.DopInfo)

	i, ok := findRef(e.st.addressTypes, a.TypeID)
	if !ok {
		return badRequest("typeId", "Неизвестный тип адреса")
	}
	a.TypeName = e.st.addressTypes[i].Name
	country, city, ok := e.st.cityCountry(a.CityID)
	if !ok {
		return badRequest("cityId", "Неизвестный город")
	}
	if _, given := f["countryId"]; given && a.CountryID != country {
		return badRequest("countryId", "Город не относится к указанной стране")
	}
	a.CountryID, a.Country, a.City = country, e.st.countryName(country), city.Name
	if a.StreetID != "" {
		j, ok := findRef(e.st.streets[a.CityID], a.StreetID)
		if !ok {
			return badRequest("streetId", "Улица не относится к указанному городу")
		}
		a.Street = e.st.streets[a.CityID][j].Name
	} else {
		a.Street = ""
	}
	if a.MetroStationID != "" {
		if _, ok := findRef(e.st.metro[a.CityID], a.MetroStationID); !ok {
			a.MetroStationID, a.MetroStation = "", "" // the station is not in the new city
		}
	}
	return nil
}

func (e *Emulator) newContact(f map[string]string) (contact, *apiError) {
	i := slices.IndexFunc(e.st.contactTypes, func(t contactType) bool { return t.ID == f["typeId"] })
	if i < 0 {
		return contact{}, badRequest("typeId", "Неизвестный тип контакта")
	}
	if strings.TrimSpace(f["value"]) == "" {
		return contact{}, badRequest("value", "Не указано значение контакта")
	}
	return contact{ID: e.st.newID(), TypeID: f["typeId"], TypeName: e.st.contactTypes[i].Name, Value: f["value"]}, nil
}

func (e *Emulator) createClient(body []byte) (any, *apiError) {
	m, err := object(body)
	if err != nil {
		return nil, err
	}
	contactsRaw, addressesRaw := m["contacts"], m["addresses"]
	delete(m, "contacts")
	delete(m, "addresses")
	f, err := stringFields(m, "lastname", "firstname", "middlename", "birthday", "note")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(f["firstname"]) == "" && strings.TrimSpace(f["lastname"]) == "" {
		return nil, badRequest("firstname", "Не указано имя клиента")
	}
	c := &client{ID: e.st.newID(), Lastname: f["lastname"], Firstname: f["firstname"], Middlename: f["middlename"], Note: f["note"]}
	if b := f["birthday"]; b != "" {
		t, perr := time.Parse("2006-01-02", b)
		if perr != nil {
			t, perr = time.Parse("2006-01-02T15:04:05", b)
		}
		if perr != nil {
			return nil, badRequest("birthday", "Неверный формат даты рождения")
		}
		c.Birthday = t.Format("2006-01-02T15:04:05")
	}
	var list []json.RawMessage
	if len(contactsRaw) > 0 && string(contactsRaw) != "null" {
		if json.Unmarshal(contactsRaw, &list) != nil {
			return nil, badRequest("contacts", "Поле contacts должно быть массивом")
		}
		for _, raw := range list {
			cf, err := stringBody(raw, "typeId", "value")
			if err != nil {
				return nil, err
			}
			ct, err := e.newContact(cf)
			if err != nil {
				return nil, err
			}
			c.Contacts = append(c.Contacts, ct)
		}
	}
	list = nil
	if len(addressesRaw) > 0 && string(addressesRaw) != "null" {
		if json.Unmarshal(addressesRaw, &list) != nil {
			return nil, badRequest("addresses", "Поле addresses должно быть массивом")
		}
		for _, raw := range list {
			af, err := stringBody(raw, addressKeys...)
			if err != nil {
				return nil, err
			}
			a := address{ID: e.st.newID()}
			if err := e.applyAddress(&a, af); err != nil {
				return nil, err
			}
			c.Addresses = append(c.Addresses, a)
		}
	}
	e.st.putClient(c)
	return c, nil
}

// updateClient replaces the main fields (the three names); as the docs
// show all three in the body, the emulator takes an absent one as empty.
func (e *Emulator) updateClient(q url.Values, body []byte) (any, *apiError) {
	id, err := param(q, "clientId")
	if err != nil {
		return nil, err
	}
	c, ok := e.st.clients[id]
	if !ok {
		return nil, notFound("Клиент", id)
	}
	f, err := stringBody(body, "lastname", "firstname", "middlename")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(f["firstname"]) == "" && strings.TrimSpace(f["lastname"]) == "" {
		return nil, badRequest("firstname", "Не указано имя клиента")
	}
	c.Lastname, c.Firstname, c.Middlename = f["lastname"], f["firstname"], f["middlename"]
	return c, nil
}

func (e *Emulator) deleteClient(q url.Values) (any, *apiError) {
	id, err := param(q, "clientId")
	if err != nil {
		return nil, err
	}
	if e.deleteUnsupported {
		return nil, &apiError{code: CodeUnsupported, text: "Удаление клиентов не поддерживается данной версией CRM", details: "DELETE Clients"}
	}
	if _, ok := e.st.clients[id]; !ok {
		return nil, notFound("Клиент", id)
	}
	delete(e.st.clients, id)
	return map[string]string{"id": id}, nil
}

func (e *Emulator) contacts(method string, q url.Values, body []byte) (any, *apiError) {
	id, err := param(q, "clientId")
	if err != nil {
		return nil, err
	}
	c, ok := e.st.clients[id]
	if !ok {
		return nil, notFound("Клиент", id)
	}
	if method == http.MethodPost {
		f, err := stringBody(body, "typeId", "value")
		if err != nil {
			return nil, err
		}
		ct, err := e.newContact(f)
		if err != nil {
			return nil, err
		}
		c.Contacts = append(c.Contacts, ct)
		return c, nil
	}
	cid, err := param(q, "contactId")
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(c.Contacts, func(x contact) bool { return x.ID == cid })
	if i < 0 {
		return nil, notFound("Контакт", cid)
	}
	if method == http.MethodDelete {
		c.Contacts = slices.Delete(c.Contacts, i, i+1)
		return c, nil
	}
	f, err := stringBody(body, "value")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(f["value"]) == "" {
		return nil, badRequest("value", "Не указано значение контакта")
	}
	c.Contacts[i].Value = f["value"]
	return c, nil
}

// addresses serves the address calls; as the docs say, edit and delete
// name the address in the parameter contactId.
func (e *Emulator) addresses(method string, q url.Values, body []byte) (any, *apiError) {
	id, err := param(q, "clientId")
	if err != nil {
		return nil, err
	}
	c, ok := e.st.clients[id]
	if !ok {
		return nil, notFound("Клиент", id)
	}
	if method == http.MethodPost {
		f, err := stringBody(body, addressKeys...)
		if err != nil {
			return nil, err
		}
		a := address{ID: e.st.newID()}
		if err := e.applyAddress(&a, f); err != nil {
			return nil, err
		}
		c.Addresses = append(c.Addresses, a)
		return c, nil
	}
	aid, err := param(q, "contactId")
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(c.Addresses, func(x address) bool { return x.ID == aid })
	if i < 0 {
		return nil, notFound("Адрес", aid)
	}
	if method == http.MethodDelete {
		c.Addresses = slices.Delete(c.Addresses, i, i+1)
		return c, nil
	}
	f, err := stringBody(body, addressKeys...)
	if err != nil {
		return nil, err
	}
	a := c.Addresses[i] // partial: fields not sent are kept
	if err := e.applyAddress(&a, f); err != nil {
		return nil, err
	}
	c.Addresses[i] = a
	return c, nil
}

func sortContactTypes(t []contactType) {
	slices.SortStableFunc(t, func(a, b contactType) int { return strings.Compare(a.Name, b.Name) })
}

func sortStrings(s []string) { slices.Sort(s) }
