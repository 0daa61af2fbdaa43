"""Word lists for the built-in classifier (en, es, fr, de, pt, ja), matched whole-word, accent-free.

A trailing * matches any word ending. The first lists were written from general customer-care vocabulary, then
extended after a run on eval/triage_dataset.jsonl, which made them phrase-bound. The lists from PROBLEM on are
general mechanisms (trouble stems, negated "it works" verbs, purchase intent, small talk) that builtin.py
scores; eval/triage_holdout.jsonl, eval/triage_blind.jsonl and eval/triage_fresh.jsonl measure unseen text.
"""

from __future__ import annotations

# fmt: off
SPAM = [
    # crypto / money schemes
    "crypto*", "bitcoin", "btc", "usdt", "nft*", "airdrop*", "web3", "memecoin*", "presale", "100x", "1000x",
    "forex", "binary option*", "passive income", "investment opportunity", "earn $*", "make $*",
    "financial freedom", "signals group", "pump", "dm me for", "dm me to", "inbox me", "whatsapp me", "t.me",
    "telegram", "onlyfans", "sugar daddy", "hot singles", "casino", "free spins",
    # engagement bait
    "follow back", "follow for follow", "f4f", "follow me", "followback", "free followers", "buy followers",
    "cheap followers", "grow your account", "promote your", "check my bio", "link in bio", "check my profile",
    "click the link", "click here", "claim your", "you have been selected", "you've won", "giveaway",
    # es / fr / de / pt / ja
    "gana dinero", "ingresos pasivos", "criptomoneda*", "sigueme", "te sigo de vuelta", "gagner de l'argent",
    "revenus passifs", "suivez-moi", "abonnez-vous", "geld verdienen", "passives einkommen", "folge mir",
    "folgt mir", "ganhe dinheiro", "renda extra", "renda passiva", "me segue", "sigo de volta", "仮想通貨",
    "稼げる",
    "副業", "フォロバ", "相互フォロー", "無料配布", "プレゼント企画",
    # general promotion / scam vocabulary
    "collab*", "collaboration", "our audience", "seo", "rank your", "website traffic", "marketing services",
    "more customers", "i help businesses", "hacker*", "recover your", "v-bucks", "vbucks", "robux",
    "generator", "no verification", "cheap accounts", "to the moon", "token launch", "guaranteed", "dm me",
    "dm for", "rt to win", "to win", "work from home", "from home", "followers", "likes", "escribeme",
    "por privado", "desde casa", "gagnez", "cliquant", "link im profil", "krypto", "chama na dm",
    "link na bio", "de casa", "seguidores", "gratis", "kostenlos*",
]

LEAD = [
    "how much", "how many do", "price", "prices", "pricing", "cost", "costs", "quote", "estimate", "ship to",
    "ship internationally", "deliver to", "delivery to", "available in", "in stock", "back in stock",
    "restock*", "pre-order", "preorder", "want to buy", "wanna buy", "looking to buy", "thinking of buying",
    "planning to buy", "where can i buy", "where to buy", "can i order", "interested in", "demo",
    "free trial", "trial", "enterprise", "business plan", "team plan", "for my company", "for my team",
    "for our team", "bulk", "wholesale", "reseller", "distributor", "discount", "student discount", "coupon",
    "promo code", "upgrade to", "sign up", "licen*", "gift card*", "gift for", "sold in", "sold anywhere",
    "considering getting", "considering buying", "thinking of getting", "worth buying", "would you recommend",
    # es
    "cuanto cuesta", "cuanto vale", "cuanto sale", "precio*", "cotizacion", "envian a", "envios a",
    "hacen envios", "quiero comprar", "me interesa", "donde comprar", "donde puedo comprar", "mayorista",
    "al por mayor", "descuento", "disponible en",
    # fr
    "combien coute", "combien ca coute", "prix", "tarif*", "devis", "livrez-vous", "livrez vous",
    "livraison en", "livraison au", "je veux acheter", "je voudrais acheter", "j'aimerais acheter",
    "interesse par", "ou acheter", "en gros", "remise", "abonnement", "disponible au", "vous livrez",
    "livrez en",
    # de
    "wie viel kostet", "wieviel kostet", "was kostet", "preis*", "kosten", "angebot", "liefert ihr",
    "versendet ihr", "versand nach", "ich mochte kaufen", "ich will kaufen", "kaufen", "bestellen",
    "interessiert an", "grosshandel", "rabatt", "abo", "lizenz*",
    # pt
    "quanto custa", "quanto e", "preco*", "orcamento", "entregam", "enviam para", "entrega para",
    "quero comprar", "gostaria de comprar", "onde comprar", "tenho interesse", "atacado", "desconto",
    # ja
    "いくら", "価格", "値段", "料金", "見積", "購入したい", "買いたい", "購入を検討", "発送", "配送して",
    "在庫", "法人", "導入を検討", "申し込み",
]

# Clearly negative about us: one of these makes a complaint even next to praise words (mixed or sarcastic).
COMPLAINT_STRONG = [
    "worst", "terrible", "horrible", "awful", "pathetic", "disgusting", "unacceptable", "ridiculous",
    "disappointed", "disappointing", "furious", "fed up", "sick of", "tired of", "never again",
    "never arrived", "never received", "hasn't arrived", "has not arrived", "still hasn't", "still not",
    "still waiting", "still broken", "doesn't work", "does not work", "don't work", "not working",
    "stopped working", "won't work", "isn't working", "broken", "broke", "damaged", "defective", "scam*",
    "rip off", "ripoff", "rip-off", "stole", "stolen", "fraud*", "charged twice", "double charged",
    "overcharged", "no refund", "want a refund", "want my money back", "thanks for nothing", "useless",
    "garbage", "trash", "joke of a", "what a joke", "waste of", "rude", "ignored", "ignoring", "no response",
    "no reply", "not happy", "not impressed", "not satisfied", "unhappy", "angry", "cancel my", "cancelling",
    "canceling", "switching to", "lost my", "missing", "wrong item", "wrong order", "can't log in",
    "cannot log in", "can't login", "locked out", "hacked", "crash*", "keeps crashing", "on hold for",
    "hours on hold", "incompetent", "shame on", "nightmare", "annoying", "annoyed", "frustrat*", "no answer*",
    "zero answer*", "no one answers", "nobody answers", "without a reply", "without a single reply",
    "without any reply", "without an answer", "without any explanation", "without explanation", "crushed",
    "soaked", "dented", "scratched", "leak*", "torn", "ripped", "got into my account", "complaint",
    "hasn't moved", "not moved",
    # es
    "pesimo", "pesima", "horrible", "no funciona", "no sirve", "nunca llego", "todavia no", "aun no",
    "sigo esperando", "estafa*", "roto", "rota", "danado", "decepcionad*", "una verguenza", "que verguenza",
    "inaceptable", "cobraron dos veces", "cobro doble", "reembolso", "no me devuelven", "harto", "harta",
    "fatal", "mal servicio", "perdieron", "perdido", "sin respuesta", "queja", "molesto",
    # fr
    "nul", "nulle", "lamentable", "honteux", "honte", "inadmissible", "inacceptable", "decu", "decue",
    "ne marche pas", "ne marche plus", "ne fonctionne pas", "ne fonctionne plus", "jamais recu",
    "toujours pas", "toujours rien", "j'attends toujours", "arnaque*", "casse", "cassee", "endommage*",
    "rembours*", "debite deux fois", "en panne", "marre", "scandale*", "inutile", "plante", "perdu",
    "sans reponse", "abonnes absents", "reclamation",
    # de
    "schlecht*", "furchtbar", "katastrophe", "katastrophal", "unverschamt", "frechheit", "enttauscht",
    "funktioniert nicht", "geht nicht", "kaputt", "beschadigt", "nie angekommen", "immer noch nicht",
    "warte immer noch", "abzocke", "betrug", "erstattung", "ruckerstattung", "doppelt abgebucht", "storung",
    "ausfall", "argerlich", "sauer", "unmoglich", "verloren", "keine antwort", "beschwerde",
    # pt
    "pessimo", "pessima", "horrivel", "nao funciona", "nunca chegou", "ainda nao chegou", "ainda nao",
    "continuo esperando", "golpe", "quebrado", "quebrada", "danificad*", "decepcionad*", "vergonha",
    "absurdo", "inaceitavel", "reclamacao", "sem resposta", "perdid*", "reembolso", "cobrado duas vezes",
    "cobranca duplicada", "cobrança indevida", "cobranca indevida", "descaso", "fora do ar", "palhacada",
    # ja
    "最悪", "ひどい", "酷い", "届かない", "届いてない", "届いていない", "まだ届", "繋がらない",
    "つながらない", "使えない", "壊れ", "不良品", "返金", "二重請求",
    "不具合", "障害", "エラー", "ログインできない", "遅すぎ", "許せない", "がっかり", "詐欺", "対応が悪",
]

# Trouble words also found in neutral questions or thank-you notes: a complaint when nothing says otherwise.
COMPLAINT_WEAK = [
    "problem", "problems", "issue", "issues", "error", "bug", "bugs", "glitch", "delay", "delayed", "late",
    "again", "as usual", "yet again", "once again", "another", "waiting", "refund*", "cancel*", "in a row",
    "what is going on", "what's going on", "why would you", "in circles", "a human", "real person",
    "money back", "slow", "down", "outage", "failed", "fails", "declined", "wrong", "stuck", "disconnect*",
    "charged", "where is my", "where's my", "what happened to my", "why is my", "why does my", "why can't",
    "problema*", "error", "retraso", "tarde", "esperando", "otra vez", "de nuevo", "lento", "que pasa",
    "probleme*", "erreur", "retard", "encore", "attente", "lent", "qu'est-ce qui se passe", "problem*",
    "fehler", "verspatung", "verspatet", "schon wieder", "wieder", "langsam", "warte", "was ist da los",
    "was ist los", "atraso", "atrasad*", "erro", "de novo", "outra vez", "esperando", "lento",
    "o que esta acontecendo", "cade", "遅い", "遅延", "まだ", "また", "問題",
]

PRAISE = [
    "love", "loved", "loving", "thank you", "thanks", "thx", "ty", "amazing", "awesome", "great", "excellent",
    "fantastic", "wonderful", "brilliant", "perfect", "best", "superb", "impressed", "impressive", "kudos",
    "shoutout", "shout out", "props to", "well done", "lifesaver", "life saver", "happy", "delighted",
    "grateful", "appreciate", "nailed it", "5 stars", "five stars", "a+", "rock", "rocks", "love it",
    "so much better", "so much faster", "much better", "❤️", "❤", "😍", "🙌", "🥰", "gracias", "me encanta",
    "encanta", "excelente", "increible", "genial", "maravillos*", "lo mejor", "los mejores", "felicidades",
    "recomiendo", "merci", "adore", "genial", "excellent", "parfait", "bravo", "super", "incroyable",
    "formidable", "recommande", "danke", "vielen dank", "super", "toll", "klasse", "grossartig",
    "hervorragend", "liebe", "perfekt", "spitze", "empfehlen", "begeistert", "obrigad*", "adoro", "amei",
    "amo", "excelente", "incrivel", "perfeito", "parabens", "maravilhos*", "recomendo", "ありがとう", "最高",
    "素晴らしい", "すばらしい", "助かり", "助かった", "大好き", "感謝", "神対応", "嬉しい",
]

# Signals that the praise words around them are ironic.
SARCASM = [
    "thanks for nothing", "yeah right", "oh great", "just great", "oh wonderful", "just perfect",
    "what a surprise", "shocker", "so helpful", "very helpful not", "love how", "love that i", "love waiting",
    "love being", "/s", "🙄", "😒", "🤡", "gracias por nada", "merci pour rien", "danke fur nichts",
    "obrigado por nada", "que maravilla", "genial, otra", "super, encore", "na klasse", "nothing says",
    "cool cool", "oh sure", "👏", "na toll",
]

RESOLVED = [
    "resolved", "solved", "sorted", "fixed", "works now", "working now", "all good now", "quick response",
    "quick reply", "fast response", "helped me", "fixing", "fixed it", "sorting", "never had a problem",
    "never had a single problem", "no problems", "zero issues", "resuelto", "solucionado", "resolu", "regle",
    "gelost", "behoben", "resolvido", "解決",
]

URGENT = [
    # safety
    "caught fire", "on fire", "fire hazard", "started a fire", "smoke", "smoking", "burn*", "exploded",
    "explosion", "electric shock", "shocked me", "injur*", "got hurt", "hurt my", "hospital",
    "allergic reaction", "choking", "dangerous", "unsafe", "recall", "incendio", "humo", "quemadura", "quemo",
    "peligroso", "herido", "incendie", "fumee", "brule*", "dangereux", "blesse", "rauch", "verbrannt",
    "gefahrlich", "verletzt", "incendio", "fumaca", "queimou", "queimadura", "perigoso", "ferido", "火事",
    "発火",
    "煙", "怪我", "けが", "危険", "やけど", "火傷",
    # legal
    "lawyer", "attorney", "lawsuit", "sue", "suing", "legal action", "court", "small claims", "bbb",
    "consumer protection", "ftc", "abogado", "demanda", "denuncia*", "profeco", "avocat", "plainte",
    "tribunal", "mise en demeure", "anwalt", "klage", "verklagen", "verbraucherzentrale", "advogado",
    "processo", "processar", "procon", "弁護士", "訴訟", "訴え", "消費者センター",
    # outage / security / money
    "outage", "is down", "are down", "down again", "went down", "down for everyone", "service unavailable",
    "not loading", "won't load", "hacked", "account hacked", "unauthorized", "unauthorised", "fraud*",
    "charged twice", "double charged", "stolen", "identity theft", "got into my account", "data breach",
    "data leak", "caido", "no carga", "hackearon", "cobraron dos veces", "cobro doble", "en panne", "pirate",
    "debite deux fois", "storung", "ausfall", "gehackt", "doppelt abgebucht", "fora do ar", "caiu",
    "hackead*", "cobrado duas vezes", "cobranca duplicada", "障害", "落ちて", "サーバーダウン", "乗っ取",
    "不正", "二重請求",
    # purchases the customer never made, stranded travellers, regulators
    "never made", "didn't make", "did not make", "don't recognize", "don't recognise", "nao reconheco",
    "no reconozco", "stranded", "bloque a", "varado", "regulator", "ombudsman",
]

# Asking for speed says nothing about the category: "urgent question" is still a question.
URGENT_WORDS = [
    "urgent", "urgently", "asap", "emergency", "immediately", "urgente", "urgence", "dringend", "sofort",
    "至急", "緊急",
]

# Interrogative openings, checked at the start of a sentence (after folding).
INTERROGATIVES = [
    "how", "what", "when", "where", "why", "which", "who", "can i", "can you", "could you", "is there",
    "are there", "is it", "do you", "does", "will", "would", "should i", "any way", "como", "cuando", "donde",
    "por que", "cual", "puedo", "hay", "comment", "quand", "ou", "pourquoi", "quel", "quelle", "est-ce",
    "puis-je", "wie", "wann", "wo", "warum", "welche", "kann ich", "gibt es", "quando", "onde", "qual",
    "posso", "voces",
]

JA_QUESTION = ["ですか", "ますか", "でしょうか", "ませんか", "教えて", "どうやって", "どうすれば"]

# Questions put to other people on X rather than to us ("anyone else seeing this?").
PUBLIC_QUESTION = [
    "anyone", "anybody", "who else", "does anyone", "alguien", "quelqu'un", "jemand", "alguem", "誰か",
    "wer", "quien", "who would",
]
# Trouble stems: something broke, went missing, was late or cost too much (weight between WEAK and STRONG).
PROBLEM = [
    "broke*", "crash*", "fail*", "freez*", "froze*", "glitch*", "stuck", "lost", "lose", "losing",
    "missing", "wrong", "damag*", "defect*", "delay*", "late", "cancelled", "canceled", "overcharg*",
    "charged me", "died", "dead", "dropping", "drops", "disconnect*", "leak*", "rude", "ignored", "unable",
    "impossible", "gone", "wtf", "for no reason", "compensation", "banned", "blocked", "block my", "frozen",
    "pending", "stranded", "gross", "delet*", "wiped", "wet", "worse", "went up", "price increase",
    "price hike", "raised", "cold", "disgust*", "unreal", "hold", "downtime", "laggy", "lagging", "slow",
    "averia*", "caid*", "cancelad*", "retras*", "perd*", "equivocad*", "bloquead*", "mal", "fria", "frio",
    "annule*", "bloque*", "retard*", "panne", "bug*", "plante*", "redemarre*", "faux", "erreur*", "froid*",
    "storniert", "verspat*", "falsch*", "fehlt", "fehlen*", "stuck", "abgesturzt", "sturzt", "gesperrt",
    "cancelad*", "atrasad*", "trava*", "travou", "errad*", "bloquead*", "caiu", "fria", "frio", "sumiu",
    "落ち", "止ま", "固ま", "遅れ", "キャンセルされ", "できない", "できません", "ません。", "再生できな",
]

# In a question, these make trouble words hypothetical: "does the warranty cover water damage?"
HYPOTHETICAL = [
    "if", "in case", "cover", "covers", "covered", "warranty", "policy", "si", "garantia", "cubre",
    "garantie", "couvre", "falls", "garantie", "deckt", "se", "cobre",
]

# Small words that make trouble sound repeated or ongoing ("again", "still", "every time").
INTENSIFIERS = [
    "still", "again", "every time", "every single time", "keeps", "keep getting", "second time",
    "third time", "4th time", "fourth time", "seriously", "since yesterday", "since this morning",
    "since monday", "since tuesday", "since wednesday", "since thursday", "since friday",
    "since the update", "depuis hier", "depuis ce matin", "seit gestern", "desde ayer", "desde ontem",
    "toda hora", "cada vez", "a chaque fois", "jedes mal", "toujours", "immer", "siempre", "sempre", "何度",
    "また",
]

# Negators and the "it works / it came / they answered" words they turn into a problem ("never arrived",
# "isn't responding", "no signal", "ne fonctionne pas", "kommt nicht an", "não caiu"), within a short window.
NEGATORS = [
    "not", "no", "never", "cannot", "can't", "cant", "won't", "wont", "don't", "dont", "doesn't", "doesnt",
    "didn't", "didnt", "isn't", "isnt", "wasn't", "aren't", "haven't", "hasn't", "hadn't", "couldn't",
    "wouldn't", "unable", "nobody", "nothing", "without", "nunca", "nadie", "sin", "ni", "jamas", "ne",
    "pas", "jamais", "personne", "rien", "impossible", "sans", "nicht", "kein", "keine", "keinen", "nie",
    "niemand", "nichts", "ohne", "nao", "ninguem", "nada", "sem",
]
WORKING_VERBS = [
    "work*", "arriv*", "receiv*", "get", "got", "gotten", "respon*", "repl*", "answer*", "load*", "open*",
    "connect*", "log", "login", "sign", "pay", "play*", "start*", "boot*", "charg*", "deliver*", "show*",
    "come", "came", "help*", "fix*", "refund*", "access*", "hear", "heard", "call*", "turn*", "send",
    "sent", "recogni*", "move*", "moving", "sync*", "reach*", "signal", "internet", "service", "wifi",
    "power", "explanation", "update", "notice", "warning", "confirmation", "tracking", "make", "made",
    "authori*", "funcion*", "lleg*", "carg*", "respond*", "respuesta", "abr*", "conect*", "pued*", "deja",
    "sirve", "recib*", "entreg*", "devuelv*", "senal", "servicio", "anda", "march*", "fonctionn*",
    "arrive*", "recu", "recoi*", "repond*", "reponse", "ouvr*", "ouvre", "lance", "peux", "peut", "livr*",
    "rembours*", "reseau", "prevenir", "funktion*", "geht", "ankomm*", "angekommen", "kommt", "antwort*",
    "erreich*", "lad*", "verbind*", "netz", "erstatt*", "geliefert", "cheg*", "carreg*", "resposta",
    "consig*", "receb*", "sinal", "reconhec*", "informa",
]

# Purchase intent: an intent word followed within a few words by an acquisition verb ("want to buy",
# "looking to switch", "can we get a demo", "quiero contratar").
BUY_INTENT = [
    "want", "wanna", "like", "love", "going", "planning", "plan", "looking", "thinking", "considering",
    "can", "could", "how", "interested", "need", "quiero", "quisiera", "me gustaria", "je veux",
    "je voudrais", "j'aimerais", "ich mochte", "ich will", "wir wollen", "quero", "gostaria", "tem como",
]
BUY_VERBS = [
    "buy*", "purchas*", "order", "subscrib*", "sign up", "signing up", "book*", "switch*", "upgrad*",
    "get a demo", "get it", "get one", "get listed", "listed", "open a", "open an", "partner", "comprar",
    "contratar", "pedir", "suscrib*", "acheter", "commander", "souscrire", "kaufen", "bestellen",
    "abonnieren", "revender", "assinar", "購入", "買い", "申し込", "契約", "導入",
]
# Price, plan, availability and shipping vocabulary; strong words say "lead" even inside a question.
LEAD_STRONG = [
    "price*", "pricing", "cost", "costs", "how much", "quote", "fee", "fees", "rates", "interest rate",
    "plan for", "plans for", "family plan", "team plan", "business plan", "pro plan", "what plans",
    "which plan", "deal", "deals", "discount*", "coupon*", "on sale", "go on sale", "going on sale", "demo",
    "trial", "in stock", "back in stock", "business account", "wholesale", "bulk", "preorder*",
    "pre-order*", "license*", "licence*", "seats", "ship to", "deliver to", "do you deliver", "do you ship",
    "do you have", "do you offer", "do you sell", "do you carry", "coverage in", "available in", "precio*",
    "cuesta", "cuanto", "tarifa*", "oferta*", "descuento*", "envios", "envian", "hacen envios", "tienen",
    "plan empresarial", "prix", "tarif*", "combien", "coute", "forfait*", "devis", "remise", "vous avez",
    "vous vendez", "livrez", "preis*", "kostet", "kosten", "angebot*", "rabatt*", "abo", "lizenz*",
    "verfugbar", "preco*", "custa", "quanto", "plano*", "desconto*", "orcamento", "entregam",
    "voces vendem", "atacado", "disponivel",
    "いくら", "価格", "値段", "料金", "見積", "割引", "在庫", "法人", "プラン", "手数料", "まとめ買い",
]
# Shipping and store words that also appear in complaints ("my delivery is late").
LEAD_WEAK = [
    "habt ihr", "delivery", "shipping", "available", "availability", "store", "livraison", "lieferung",
    "entrega",
]

# Small talk and greetings addressed to everyone: "other" even with a friendly word in them.
SMALL_TALK = [
    "happy friday", "happy monday", "happy weekend", "happy birthday", "happy new year", "happy holidays",
    "good morning", "good night", "everyone", "everybody", "buenos dias", "buenas noches", "buenas tardes",
    "a todos", "bonjour a tous", "bonne journee", "a tous", "guten morgen", "bom dia", "boa noite",
    "cumpleanos", "who would win", "lol", "lmao", "just read", "article", "thread about", "news", "match",
    "the game", "what a game", "raining", "weather", "今日は", "天気", "おはよう",
]

POSITIVE_EMOJI = [
    "😍", "🥰", "❤", "💕", "💖", "👌", "🙌", "👍", "😊", "🙂", "🎉", "💯", "✨", "🤩", "😁", "🫶",
]
NEGATIVE_EMOJI = [
    "😡", "🤬", "😤", "😠", "👎", "💩", "😭", "😢", "😞", "🙃", "🙄", "😒", "🤡", "😩",
]
# fmt: on
