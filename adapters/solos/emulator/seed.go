package emulator

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// The emulator's records. They are plain Go values; the JSON a client sees
// is produced by render.go in the configured Style.

type project struct {
	ID                  int
	Name                string
	Created             time.Time
	Deleted             bool
	SalesFunnelID       int
	StepID              int
	UserID              int
	GroupID             int
	Price               string // decimal, e.g. "150000.00"
	CurrencyID          int
	ParticipantsUserID  []int
	ParticipantsGroupID []int
	Tasks               int // Solos has tasks; the API documents no endpoint for them
	// Dynamic (user-defined) fields of this installation, in field order.
	ClientID     []int
	ContractDate string // "" when not filled in
	Address      string
	Source       string
}

type step struct {
	ID, ProjectID, StepID, SalesFunnelID, UserID int
	Name                                         string
	Date                                         time.Time
}

type action struct {
	ID, ProjectID, TypeID, UserID int
	Text                          string
	Date                          time.Time
}

type checklistItem struct {
	ID   int
	Name string
	Done bool
}

type checklist struct {
	ID, ProjectID int
	Name          string
	Deadline      time.Time
	Done          bool
	Items         []checklistItem
}

type good struct {
	ID, ProjectID, GoodID, CurrencyID int
	Quantity                          int
}

type payment struct {
	ID, ProjectID, UserID, CurrencyID int
	Income                            bool
	Sum                               string
	Date                              time.Time
	Name                              string
}

// Reference data of the seeded installation.
var (
	// Users are the CRM's staff, by id.
	Users = map[int]string{
		1: "Иванов Алексей", 2: "Петрова Мария", 3: "Сидоров Дмитрий", 4: "Кузнецова Ольга",
		5: "Смирнов Игорь", 6: "Волкова Анна", 7: "Морозов Павел", 8: "Новикова Екатерина",
	}
	// Groups are the user groups, by id.
	Groups = map[int]string{1: "Отдел продаж", 2: "Проектный офис", 3: "Сервисная служба"}
	// Funnels are the sales funnels, by id, with their steps in order.
	Funnels = map[int][]int{1: {1, 2, 3, 4, 5}, 2: {6, 7, 8, 9}}
	// FunnelNames name the funnels.
	FunnelNames = map[int]string{1: "Продажи", 2: "Внедрение"}
	// StepNames name the funnel steps.
	StepNames = map[int]string{
		1: "Новый лид", 2: "Квалификация", 3: "Коммерческое предложение", 4: "Договор", 5: "Оплата",
		6: "Старт проекта", 7: "Разработка", 8: "Тестирование", 9: "Сдача работ",
	}
	// ActionTypes name the kinds of project events.
	ActionTypes = map[int]string{1: "Звонок", 2: "Встреча", 3: "Письмо", 4: "Комментарий"}
	// Currencies are the CRM's currencies (1 is the rouble).
	Currencies = map[int]string{1: "RUB", 2: "USD", 3: "EUR"}
)

// catalogue is the goods catalogue: name, unit, unit price in roubles.
var catalogue = map[int]struct {
	Name, Unit string
	Price      int
}{
	10: {"Лицензия CRM на 1 год", "шт", 45000},
	11: {"Внедрение CRM", "ч", 3500},
	12: {"Обучение персонала", "ч", 2500},
	13: {"Интеграция с 1С", "шт", 60000},
	14: {"Техническая поддержка", "мес", 15000},
	15: {"Сервер Dell PowerEdge R650", "шт", 320000},
}

var (
	works = []string{
		"Внедрение CRM", "Поставка оборудования", "Интеграция с 1С", "Обучение персонала",
		"Техническая поддержка", "Разработка сайта", "Аудит бизнес-процессов", "Миграция данных",
	}
	clients = []string{
		"ООО «Ромашка»", "АО «Северсталь-Инфо»", "ИП Соколов А. В.", "ООО «Вектор»",
		"ПАО «Уралхим»", "ООО «Технопарк»", "ЗАО «Балтика-Сервис»", "ООО «СтройИнвест»",
		"ГБУ «Мосгортранс»", "ООО «Альфа-Логистик»", "АО «Татнефть-Сервис»", "ООО «Зелёный сад»",
		"ООО «Кондитер»",
	}
	addresses = []string{
		"г. Москва, ул. Тверская, д. 12", "г. Санкт-Петербург, Невский пр., д. 28",
		"г. Казань, ул. Баумана, д. 5", "г. Екатеринбург, ул. Малышева, д. 51",
		"г. Новосибирск, Красный пр., д. 17",
	}
	sources     = []string{"Сайт", "Рекомендация", "Выставка", "Холодный звонок"}
	actionTexts = map[int][]string{
		1: {"Обсудили сроки поставки", "Клиент просит перезвонить в понедельник", "Уточнили состав работ"},
		2: {"Встреча в офисе клиента, презентация решения", "Согласовали техническое задание"},
		3: {"Отправлено коммерческое предложение", "Направлен проект договора на согласование", "Выслан счёт на оплату"},
		4: {"Клиент ждёт решения руководства", "Требуется скидка 5%"},
	}
	checklistNames = []string{"Подготовка договора", "Запуск проекта", "Закрывающие документы"}
	itemNames      = []string{"Согласовать смету", "Получить реквизиты", "Подписать договор", "Выставить счёт", "Подписать акт"}
	paymentNames   = map[bool][]string{
		true:  {"Предоплата по договору", "Оплата по счёту", "Окончательный расчёт"},
		false: {"Оплата подрядчику", "Закупка оборудования", "Командировочные расходы"},
	}
)

// NumProjects is the number of seeded projects (ids 1..NumProjects).
const NumProjects = 40

// isDeleted marks the seeded projects that are in the trash.
func isDeleted(id int) bool { return id%9 == 0 }

// data is the whole seeded state.
type data struct {
	projects   []*project
	steps      []*step
	actions    []*action
	checklists []*checklist
	goods      []*good
	payments   []*payment
}

// seed builds the deterministic data set: 40 projects (4 of them deleted)
// with their steps, actions, checklists, goods and payments in roubles.
// Project 1 has many actions and payments, so paging has something to walk.
func seed(today time.Time) *data {
	rng := rand.New(rand.NewPCG(2021, 530))
	d := &data{}
	start := time.Date(2020, 1, 9, 10, 0, 0, 0, time.UTC)
	var stepSeq, actionSeq, checklistSeq, itemSeq, goodSeq, paymentSeq int
	for id := 1; id <= NumProjects; id++ {
		funnel := 1 + (id+1)%2
		fsteps := Funnels[funnel]
		cur := fsteps[rng.IntN(len(fsteps))]
		user := 1 + rng.IntN(len(Users))
		created := start.Add(time.Duration(id*9)*24*time.Hour + time.Duration(rng.IntN(8*60))*time.Minute)
		currency := 1
		if id%13 == 0 {
			currency = 2
		}
		price := (50 + rng.IntN(950)) * 1000
		p := &project{
			ID:                  id,
			Name:                works[id%len(works)] + " — " + clients[id%len(clients)],
			Created:             created,
			Deleted:             isDeleted(id),
			SalesFunnelID:       funnel,
			StepID:              cur,
			UserID:              user,
			GroupID:             1 + id%len(Groups),
			Price:               fmt.Sprintf("%d.00", price),
			CurrencyID:          currency,
			ParticipantsUserID:  []int{user, 1 + (user+2)%len(Users)},
			ParticipantsGroupID: []int{1 + id%len(Groups)},
			Tasks:               id % 4,
			ClientID:            []int{1 + id%12},
			Address:             addresses[id%len(addresses)],
			Source:              sources[id%len(sources)],
		}
		if id%5 == 0 {
			p.ClientID = append(p.ClientID, 1+(id+5)%12)
		}
		if id%3 != 0 {
			p.ContractDate = created.AddDate(0, 0, 14).Format("2006-01-02")
		}
		if id == 1 {
			p.Name = "Внедрение CRM для ООО «Ромашка»"
			p.ContractDate = "2020-01-01"
		}
		d.projects = append(d.projects, p)

		// Steps: every step of the funnel up to the current one.
		when := created
		for _, s := range fsteps {
			stepSeq++
			d.steps = append(d.steps, &step{ID: stepSeq, ProjectID: id, StepID: s, SalesFunnelID: funnel,
				UserID: user, Name: StepNames[s], Date: when})
			if s == cur {
				break
			}
			when = when.Add(time.Duration(2+rng.IntN(10)) * 24 * time.Hour)
		}

		nActions := rng.IntN(7)
		if id%7 == 0 {
			nActions = 0
		}
		if id == 1 {
			nActions = 23
		}
		for i := 0; i < nActions; i++ {
			actionSeq++
			typ := 1 + rng.IntN(len(ActionTypes))
			if id == 1 {
				typ = 1 + i%len(ActionTypes)
			}
			texts := actionTexts[typ]
			d.actions = append(d.actions, &action{ID: actionSeq, ProjectID: id, TypeID: typ,
				UserID: 1 + rng.IntN(len(Users)), Text: texts[rng.IntN(len(texts))],
				Date: created.Add(time.Duration(i*2+1)*24*time.Hour + time.Duration(rng.IntN(9*60))*time.Minute)})
		}

		nChecklists := id % 3
		for i := 0; i < nChecklists; i++ {
			checklistSeq++
			c := &checklist{ID: checklistSeq, ProjectID: id, Name: checklistNames[i%len(checklistNames)],
				Deadline: created.AddDate(0, 0, 20+i*10), Done: (id+i)%4 == 0}
			if id%10 == 4 {
				c.Deadline = today.AddDate(0, 1, 0) // not due yet
			}
			for j := 0; j < 2+i; j++ {
				itemSeq++
				c.Items = append(c.Items, checklistItem{ID: itemSeq, Name: itemNames[(i+j)%len(itemNames)], Done: c.Done || j == 0})
			}
			d.checklists = append(d.checklists, c)
		}

		nGoods := rng.IntN(4)
		if id%6 == 0 {
			nGoods = 0
		}
		for i := 0; i < nGoods; i++ {
			goodSeq++
			gid := 10 + (id+i*2)%len(catalogue)
			d.goods = append(d.goods, &good{ID: goodSeq, ProjectID: id, GoodID: gid, CurrencyID: 1, Quantity: 1 + rng.IntN(20)})
		}

		nPayments := rng.IntN(6)
		if id%8 == 0 {
			nPayments = 0
		}
		if id == 1 {
			nPayments = 17
		}
		for i := 0; i < nPayments; i++ {
			paymentSeq++
			income := i%3 != 2
			names := paymentNames[income]
			d.payments = append(d.payments, &payment{ID: paymentSeq, ProjectID: id, UserID: user,
				CurrencyID: 1, Income: income, Sum: strconv.Itoa((5+rng.IntN(200))*1000) + ".00",
				Date: created.AddDate(0, 0, 3+i*4), Name: names[i%len(names)]})
		}
	}
	return d
}
