package emulator

import (
	"encoding/json"
	"fmt"
)

// The seed: the docs' own examples (contact and address types, countries,
// the client Безногов with his address on 10-я Текстильщиков, the streets
// of Tashkent with their odd post codes) completed with realistic Russian
// reference data and twenty clients, all with Russian addresses.

const (
	russia   = "2"
	moscow   = "10000000000002"
	spb      = "10000000000001"
	kazan    = "10000000000003"
	tashkent = "10000000000016"
)

func seedContactTypes() []contactType {
	return []contactType{
		{ID: "4", Name: "E-Mail", IsEmail: true, Mailing: true},
		{ID: "6", Name: "ICQ"},
		{ID: "5", Name: "Skype", IsSkype: true},
		{ID: "7", Name: "ВКонтакте", IsSocialNetwork: true},
		{ID: "1", Name: "Телефон домашний", IsPhone: true},
		{ID: "3", Name: "Телефон мобильный", IsPhone: true, Mailing: true},
		{ID: "2", Name: "Телефон рабочий", IsPhone: true},
	}
}

func seedAddressTypes() []ref {
	return []ref{{ID: "1", Name: "Домашний"}, {ID: "2", Name: "Рабочий"}}
}

func seedCountries() []ref {
	return []ref{
		{ID: "1", Name: "Беларусь"}, {ID: "3", Name: "Казахстан"}, {ID: "5", Name: "Молдова"},
		{ID: russia, Name: "Россия"}, {ID: "4", Name: "Узбекистан"},
	}
}

func seedCities() map[string][]ref {
	return map[string][]ref{
		russia: {
			{ID: spb, Name: "Санкт-Петербург"}, {ID: moscow, Name: "Москва"}, {ID: kazan, Name: "Казань"},
			{ID: "10000000000004", Name: "Новосибирск"}, {ID: "10000000000005", Name: "Екатеринбург"},
			{ID: "10000000000024", Name: "Хабаровск"},
		},
		"4": {{ID: tashkent, Name: "Ташкент"}, {ID: "10000000000017", Name: "Самарканд"}},
		"5": {{ID: "10000000000021", Name: "Кишинев"}},
		"1": {{ID: "10000000000030", Name: "Минск"}},
		"3": {{ID: "10000000000012", Name: "Алматы"}},
	}
}

func seedStreets() map[string][]ref {
	s := func(id, name, pc string) ref { return ref{ID: id, Name: name, PostCode: pc} }
	return map[string][]ref{
		moscow: {
			s("10000000000031", "10-я Текстильщиков", "109263"), s("10000000000035", "Тверская", "125009"),
			s("10000000000036", "Арбат", "119002"), s("10000000000037", "Новый Арбат", "121099"),
			s("10000000000038", "Мясницкая", "101000"), s("10000000000039", "Покровка", "105062"),
			s("10000000000040", "Большая Ордынка", "119017"), s("10000000000041", "Ленинский проспект", "119071"),
			s("10000000000042", "Профсоюзная", "117292"), s("10000000000043", "Кутузовский проспект", "121165"),
			s("10000000000044", "Садовая-Кудринская", "123001"), s("10000000000045", "Проспект Мира", "129090"),
			s("10000000000046", "Люблинская", "109387"), s("10000000000047", "Волгоградский проспект", "109316"),
			s("10000000000048", "Ленинградский проспект", "125040"),
		},
		spb: {
			s("10000000000060", "Невский проспект", "191025"), s("10000000000061", "Литейный проспект", "191028"),
			s("10000000000062", "Садовая", "190031"), s("10000000000063", "Московский проспект", "196084"),
		},
		kazan:            {s("10000000000080", "Баумана", "420111"), s("10000000000081", "Пушкина", "420015")},
		"10000000000004": {s("10000000000090", "Красный проспект", "630099")},
		"10000000000005": {s("10000000000095", "Малышева", "620014")},
		"10000000000024": {s("10000000000070", "Муравьёва-Амурского", "680000"), s("10000000000071", "Карла Маркса", "680000")},
		tashkent: {
			s("10000000016642", "Восканова", "5654"), s("10000000016640", "п. Красный", "44"),
			s("10000000016629", "Квартал 328", "000"), s("10000000016650", "Амира Темура", "100000"),
		},
		"10000000000021": {s("10000000016700", "Штефан чел Маре", "2012")},
		"10000000000030": {s("10000000016800", "Независимости", "220030")},
		"10000000000012": {s("10000000016900", "Абая", "050000")},
	}
}

func seedMetro() map[string][]ref {
	names := []string{"Авиамоторная", "Автозаводская", "Академическая", "Александровский сад", "Алексеевская",
		"Алтуфьево", "Арбатская", "Аэропорт", "Бабушкинская", "Багратионовская", "Баррикадная", "Бауманская",
		"Белорусская", "Беляево", "Библиотека имени Ленина", "Боровицкая", "Волгоградский проспект",
		"Китай-город", "Кузьминки", "Кутузовская", "Лубянка", "Маяковская", "Новокузнецкая", "Октябрьская",
		"Парк культуры", "Проспект Мира", "Профсоюзная", "Пушкинская", "Текстильщики", "Тверская",
		"Третьяковская", "Чистые пруды"}
	var msk []ref
	for i, n := range names {
		msk = append(msk, ref{ID: fmt.Sprint(i + 1), Name: n})
	}
	return map[string][]ref{
		moscow: msk,
		spb: {{ID: "101", Name: "Адмиралтейская"}, {ID: "102", Name: "Василеостровская"},
			{ID: "103", Name: "Гостиный двор"}, {ID: "104", Name: "Маяковская"}, {ID: "105", Name: "Невский проспект"},
			{ID: "106", Name: "Площадь Восстания"}, {ID: "107", Name: "Чернышевская"}, {ID: "108", Name: "Московская"}},
		kazan:            {{ID: "201", Name: "Кремлёвская"}, {ID: "202", Name: "Площадь Тукая"}},
		"10000000000004": {{ID: "301", Name: "Площадь Ленина"}, {ID: "302", Name: "Красный проспект"}},
		"10000000000005": {{ID: "401", Name: "Площадь 1905 года"}},
		tashkent:         {{ID: "501", Name: "Мустакиллик майдони"}, {ID: "502", Name: "Амир Темур хиёбони"}},
	}
}

// seedClients builds the docs' example client and nineteen more.
func (s *store) seedClients() {
	docs := &client{
		ID: "10000000009188", Lastname: "Безногов", Firstname: "Сергей", Middlename: "Витальевич",
		Birthday: "1971-10-18T00:00:00", Note: "лояльный клиент",
		Contacts: []contact{
			{ID: "10000000008064", TypeID: "1", TypeName: "Телефон домашний", Value: "333"},
			{ID: "10000000008066", TypeID: "2", TypeName: "Телефон рабочий", Value: "+79998887766"},
		},
		Addresses: []address{{
			ID: "10000000003276", TypeID: "1", TypeName: "Домашний", CountryID: russia, Country: "Россия",
			Zip: "111111", CityID: moscow, City: "Москва", StreetID: "10000000000031", Street: "10-я Текстильщиков",
			House: "10", Apartments: "7", MetroStationID: "3", MetroStation: "Академическая",
		}},
		Accounts: []account{{
			AccountNumber: "03.00011.00010593.0001", Status: "Active", AccountTypeID: 11,
			AccountTypeName: "тестовый дебетовый", DateCreate: "2020-02-13T00:00:00", Balance: "0.00",
		}},
		Cards: []card{{
			CardCode: "112232213", Status: "Active", DateOffered: "2019-12-25T00:00:00",
			DateExpired: "2021-12-25T00:00:00", GroupID: 3, GroupName: "основная",
		}},
	}
	s.putClient(docs)

	people := []struct{ last, first, middle, birthday, note string }{
		{"Иванова", "Анна", "Сергеевна", "1985-03-12T00:00:00", "предпочитает звонок за час"},
		{"Петров", "Дмитрий", "Александрович", "1990-07-01T00:00:00", ""},
		{"Смирнова", "Елена", "Викторовна", "", "аллергия на орехи"},
		{"Кузнецов", "Алексей", "Игоревич", "1979-11-23T00:00:00", "корпоративный клиент"},
		{"Попова", "Мария", "Дмитриевна", "1995-01-30T00:00:00", ""},
		{"Васильев", "Иван", "Петрович", "1999-01-01T00:00:00", "новый клиент"},
		{"Соколова", "Ольга", "Николаевна", "1982-05-17T00:00:00", "код домофона меняется"},
		{"Михайлов", "Сергей", "Андреевич", "", ""},
		{"Новикова", "Татьяна", "Ивановна", "1970-09-09T00:00:00", "оплата картой курьеру"},
		{"Фёдоров", "Андрей", "Михайлович", "1988-12-04T00:00:00", ""},
		{"Морозова", "Наталья", "Павловна", "1993-02-14T00:00:00", "не звонить после 22:00"},
		{"Волков", "Павел", "Олегович", "1986-06-06T00:00:00", ""},
		{"Алексеева", "Ирина", "Юрьевна", "", "VIP"},
		{"Лебедев", "Николай", "Васильевич", "1965-04-20T00:00:00", ""},
		{"Семёнова", "Юлия", "Алексеевна", "1997-08-28T00:00:00", "вегетарианка"},
		{"Егоров", "Максим", "Сергеевич", "1991-10-10T00:00:00", ""},
		{"Павлова", "Светлана", "Геннадьевна", "1975-12-31T00:00:00", "оставлять у двери"},
		{"Козлов", "Артём", "Денисович", "2000-03-03T00:00:00", ""},
		{"Степанова", "Екатерина", "Романовна", "1989-07-19T00:00:00", "офис, 3 этаж"},
	}
	streets := s.streets[moscow]
	metro := s.metro[moscow]
	balances := []string{"1500.50", "0.00", "12345678901234567.89", "250", "-35.10", "99999.99"}
	for i, p := range people {
		id := fmt.Sprintf("1000000000%04d", 9200+i)
		c := &client{ID: id, Lastname: p.last, Firstname: p.first, Middlename: p.middle, Birthday: p.birthday, Note: p.note}
		c.Contacts = append(c.Contacts, contact{ID: fmt.Sprintf("1000000000%04d", 8100+2*i), TypeID: "3",
			TypeName: "Телефон мобильный", Value: fmt.Sprintf("+7916%07d", 1234567+i*7919)})
		if i%2 == 0 {
			c.Contacts = append(c.Contacts, contact{ID: fmt.Sprintf("1000000000%04d", 8101+2*i), TypeID: "4",
				TypeName: "E-Mail", Value: fmt.Sprintf("client%02d@example.ru", i+1)})
		}
		st := streets[i%len(streets)]
		ms := metro[(i*3)%len(metro)]
		a := address{ID: fmt.Sprintf("1000000000%04d", 3300+i), TypeID: "1", TypeName: "Домашний",
			CountryID: russia, Country: "Россия", Zip: st.PostCode, CityID: moscow, City: "Москва",
			StreetID: st.ID, Street: st.Name, House: fmt.Sprint(1 + i*3), Building: "", Entry: fmt.Sprint(1 + i%4),
			Floor: fmt.Sprint(2 + i%9), Apartments: fmt.Sprint(10 + i*5), EntryCode: fmt.Sprintf("%d#", 100+i),
			MetroStationID: ms.ID, MetroStation: ms.Name}
		if i%3 == 0 {
			a.Lat, a.Lng = fmt.Sprintf("55.%04d", 7000+i*37), fmt.Sprintf("37.%04d", 5000+i*53)
		}
		if i == 4 {
			a.Lat, a.Lng = "55,7512", "37,6184" // a decimal comma, as some operators type it
		}
		c.Addresses = append(c.Addresses, a)
		if i%4 == 1 {
			ps := s.streets[spb][i%len(s.streets[spb])]
			c.Addresses = append(c.Addresses, address{ID: fmt.Sprintf("1000000000%04d", 3400+i), TypeID: "2",
				TypeName: "Рабочий", CountryID: russia, Country: "Россия", Zip: ps.PostCode, CityID: spb,
				City: "Санкт-Петербург", StreetID: ps.ID, Street: ps.Name, House: fmt.Sprint(20 + i), DopInfo: "пропуск на проходной",
				MetroStationID: s.metro[spb][i%len(s.metro[spb])].ID, MetroStation: s.metro[spb][i%len(s.metro[spb])].Name})
		}
		if i%2 == 1 {
			c.Accounts = append(c.Accounts, account{AccountNumber: fmt.Sprintf("03.00011.%08d.0001", 10600+i),
				Status: "Active", AccountTypeID: 11, AccountTypeName: "бонусный", AccountDebitEnabled: true,
				DateCreate: "2021-06-01T00:00:00", Balance: json.Number(balances[(i/2)%len(balances)])})
		}
		if i%3 == 1 {
			c.Cards = append(c.Cards, card{CardCode: fmt.Sprintf("7781%05d", 20000+i*13), IsVirtualCard: i%2 == 0,
				IsConfirmManager: true, Status: "Active", DateOffered: "2022-01-15T00:00:00",
				DateExpired: "2027-01-15T00:00:00", GroupID: 3, GroupName: "основная"})
		}
		s.putClient(c)
	}
}

// Sample names seeded reference data a new contact and address can use
// (those of the docs' example client: home phone, home address in Moscow
// on 10-я Текстильщиков), as source ids, for examples that need ids.
type Sample struct {
	ContactTypeID, AddressTypeID, CountryID, CityID, StreetID string
}

// Sample returns the seed's sample reference data.
func (e *Emulator) Sample() Sample {
	return Sample{ContactTypeID: "1", AddressTypeID: "1", CountryID: russia, CityID: moscow, StreetID: "10000000000031"}
}
