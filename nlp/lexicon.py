"""The rule parser's vocabulary: every word or phrase it knows, with what the word says.

A phrase carries *tags* (what kind of word it is) and *values* (side, selector, period …).
The tokenizer takes the longest phrase at each position, so "多少" (how much) is never read
as "多" (long), "止盈" never as "盈", "last week" never as "last" (latest), and "open
positions" never as "open". Words are given lower-case, as `numbers.normalize` leaves the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Entry:
    tags: set[str] = field(default_factory=set)
    vals: dict[str, Any] = field(default_factory=dict)


LEXICON: dict[str, Entry] = {}


def add(words: str, *tags: str, **vals: Any) -> None:
    """Register `|`-separated phrases; a phrase registered twice collects both meanings."""
    for w in words.split("|"):
        w = " ".join(w.strip().lower().split())
        if not w:
            continue
        e = LEXICON.setdefault(w, Entry())
        e.tags.update(tags)
        e.vals.update(vals)


# ---------------------------------------------------------------- sides
# ACTION: says "open in this direction"; NOUN: names positions of that side (a filter);
# WEAK: a bare 多/空, a side only next to a symbol or volume.
add(
    "买入|买进|买涨|做多|开多|买多|加多|追多|购买|进多|多进|入多|buy|long|go long|buying|"
    "挂多|挂买|开个多单|下多单|开多单|做个多单|做多单",
    "SIDE",
    "ACTION",
    side="buy",
)
add("买", "SIDE", "ACTION", side="buy")
add(
    "多单|多头|多仓|买单|buy单|long单|多头仓位|多头单|longs|long positions|long position|buys|"
    "buy positions|buy trades|buy orders|long trades|long orders",
    "SIDE",
    "NOUN",
    "POSNOUN",
    side="buy",
)
add("多", "SIDE", "WEAK", side="buy")
add(
    "卖出|卖空|买跌|做空|开空|沽空|追空|进空|空进|sell|short|go short|selling|shorting|"
    "挂空|挂卖|开个空单|下空单|开空单|做个空单|做空单",
    "SIDE",
    "ACTION",
    side="sell",
)
add("卖", "SIDE", "ACTION", side="sell")
add(
    "空单|空头|卖单|sell单|short单|空头仓位|空头单|shorts|short positions|short position|sells|"
    "sell positions|sell trades|sell orders|short trades|short orders",
    "SIDE",
    "NOUN",
    "POSNOUN",
    side="sell",
)
add("空", "SIDE", "WEAK", side="sell")
# words that contain 多/空/买/卖 but say no side
add(
    "多少|多少了|几多",
    "HOWMUCH",
)
add(
    "很多|好多|太多|这么多|那么多|更多|最多|多久|多大|多次|多个|差不多|许多|多么|多谢|多长|多空|"
    "多元|多头行情|空调|空间|空闲|有空|天空|空白|空仓|落空|空空|买房|买菜|买票|买东西|买卖|卖掉|"
    "卖家|买家|多亏|好多了|多了解|多头趋势|空头趋势|too much|so much|buy and hold|buy low|sell high",
    "NEUTRAL",
)
add("buy low|sell high|低买高卖|高抛低吸|低吸高抛", "NEUTRAL", "SLOGAN")

# ---------------------------------------------------------------- verbs
add(
    "下单|开仓|开单|建仓|入场|进场|开一单|下一单|开个单|开张单|加仓|下个单|下一个单|开个仓|下个仓|下张单|"
    "开一个单|open|place|enter",
    "OPEN",
)
add("开|来", "OPEN", "OPENWEAK")
add("开的|下的|开盘|开心|开始|打开|开启|开通|开户", "NEUTRAL")
add(
    "平仓|平掉|平了|平|平完|平一下|close|close out|exit|flatten|liquidate|砍仓|砍掉|割肉|出场|离场|"
    "了结|获利了结|止盈出场|止损出场|平吧|清掉|清了|清理掉|get me out|get out of|get me out of",
    "CLOSE",
)
add("清仓|全平|一键平仓|全部平仓|全平掉|清空|close everything|close all", "CLOSE", "SEL", sel="all")
add(
    "平均|平台|水平|平稳|持平|平时|平安|平衡|平常|公平|平方|不平|太平|平手|平价|平淡|和平",
    "NEUTRAL",
)
add(
    "修改|改|改一下|设|设置|调|调整|挪|modify|change|move|set|adjust|update|amend|put|edit|"
    "加上|加个|带上|挂上",
    "MODIFY",
)
add(
    "改到|改成|改为|改至|改去|设为|设成|设到|设在|设置为|设置成|设置到|设置在|调到|调整到|调至|调为|"
    "调成|移到|移至|挪到|放到|放在|挪至",
    "MODIFY",
    "CONN",
)
add("到|为|成|至|是|在于|to|=|:|is|at|@", "CONN")
add("改天|改变|调查|调侃|设计|设备|假设|建设", "NEUTRAL")
add(
    "撤销|撤单|撤了|撤掉|撤|撤回|撤除|取消|删除|删掉|删了|删|cancel|delete|remove|withdraw order",
    "CANCEL",
)

# ---------------------------------------------------------------- order kinds, prices
add("挂单|挂个单|挂一单|挂一个单|挂张单", "KIND", "ORDERS", otype="pending")
add("撤单", "ORDERS")  # "撤单" alone: cancel pending orders (the bot lists them)
add("挂|挂个|挂一个|挂一张|pending order|pending", "KIND", otype="pending")
add("限价|限价单|limit|limit order", "KIND", otype="limit")
add(
    "突破|突破单|跌破|涨破|升破|上破|下破|破位|stop order|buy stop order|sell stop order",
    "KIND",
    otype="stop",
)
add("buy stop", "SIDE", "ACTION", "KIND", side="buy", otype="stop")
add("sell stop", "SIDE", "ACTION", "KIND", side="sell", otype="stop")
add("buy limit", "SIDE", "ACTION", "KIND", side="buy", otype="limit")
add("sell limit", "SIDE", "ACTION", "KIND", side="sell", otype="limit")
add(
    "市价|市价单|按市价|market|at market|market order|market price|now|马上|立即|立刻|现在就",
    "MARKET",
)
add("现价", "MARKET", "QUOTE")
add("@|at|在|挂在|于|入场价|开仓价格|entry|entry price|价格在|价位在|点位", "AT")
add("现在|正在|实在|存在|在线|在吗|在不在|还在", "NEUTRAL")
add(
    "止损|止损价|止损位|止损价位|止损设|损|sl|s/l|stop loss|stoploss|stop-loss|stop lose|stoplose",
    "SL",
)
add("stop", "SL", bare_stop=True)
add(
    "止盈|止盈价|止盈位|止盈价位|止盈设|盈|tp|t/p|take profit|takeprofit|take-profit|target|目标|"
    "目标价|目标位|profit target",
    "TP",
)
add("损失|损害|盈余|盈透", "NEUTRAL")

# ---------------------------------------------------------------- tickets, magic
add(
    "#|单号|订单号|票号|编号|ticket|ticket no|ticket number|tickets|no.|id|仓位号|持仓单号|订单编号",
    "TICKET",
)
add("order", "TICKET", "ORDERS")
add("订单|订单子", "TICKET", "POSNOUN")
add("position|trade|pos|持仓单", "TICKET", "POSNOUN")
add(
    "魔术号|魔术码|魔法号|魔术数字|魔术数|magic|magic number|magic no|magic no.|magic id|magicnumber|"
    "幻数|ea号|ea编号|策略号|魔数|mn",
    "MAGIC",
)
add("ea", "EA")
add(
    "i'm long|i'm short|im long|im short|i am long|i am short|我买了|我卖了|我做多了|我做空了|我开了|我下了|买过|卖过|bought|sold|buy the dip|buy the rumor|sell the news|buy the rumour",
    "STATEMENT",
)
add("how long|long time|short term|long term|longer|shorter|in short|long story", "NEUTRAL")
add("前", "SEL", sel="earliest")
add("全", "SEL", sel="all")
add("安全|全面|完全|全球|全天|全年|全称|全新|全职", "NEUTRAL")
add("之前|以前|前面|当前|目前|前景|前期|提前|眼前|前提", "NEUTRAL")
add("on|for|of|of the|in", "PREP")

# ---------------------------------------------------------------- selectors
add(
    "全部|所有|一键|全都|统统|通通|都|all|every|everything|all of them|whole|entire",
    "SEL",
    sel="all",
)
add(
    "最早|最老|最先|最开始|最旧|最早开|第一|第一单|first|earliest|oldest|older",
    "SEL",
    sel="earliest",
)
add(
    "最新|最后|最近|刚开的|刚下的|刚开|最晚|上一单|last|latest|newest|most recent|recent|newer",
    "SEL",
    sel="latest",
)
add(
    "赚了的|赚着的|盈利的|赚钱的|有盈利的|浮盈的|盈利单|赚钱单|有赚的|赚的|正收益的|profitable|winning|winners|"
    "in profit|green|in the money",
    "SEL",
    sel="profitable",
)
add("盈利", "SEL", "PNL", sel="profitable")
add(
    "亏了的|亏着的|亏损的|亏钱的|浮亏的|被套的|亏损单|亏钱单|亏的|负收益的|套住的|losing|losers|in loss|at a loss|"
    "red|underwater|in the red",
    "SEL",
    sel="losing",
)
add("亏损", "SEL", "PNL", sel="losing")

# ---------------------------------------------------------------- periods
add(
    "今天|今日|本日|当日|当天|今儿|今天的|today|todays|today's|intraday|日内|day",
    "PERIOD",
    period="today",
)
add("昨天|昨日|昨晚|yesterday|yesterday's|yesterdays", "PERIOD", period="yesterday")
add(
    "本周|这周|这星期|这个星期|本星期|这礼拜|这个礼拜|本礼拜|这一周|本週|this week|this week's|week|wtd",
    "PERIOD",
    period="week",
)
add(
    "上周|上星期|上个星期|上礼拜|上个礼拜|上一周|上週|last week|last week's|previous week|prior week",
    "PERIOD",
    period="last_week",
)
add(
    "本月|这个月|这月|当月|本月份|这一月|this month|this month's|month|mtd",
    "PERIOD",
    period="month",
)
add(
    "上个月|上月|上一个月|上一月|last month|last month's|previous month|prior month",
    "PERIOD",
    period="last_month",
)
add(
    "今年|本年|本年度|年初至今|今年以来|this year|this year's|year|ytd|year to date|year-to-date",
    "PERIOD",
    period="year",
)
add("last_week|lastweek", "PERIOD", period="last_week")
add("last_month|lastmonth", "PERIOD", period="last_month")
add("this_week", "PERIOD", period="week")
add("this_month", "PERIOD", period="month")
add(
    "去年|前天|大前天|上上周|上上个月|前年|last year|day before yesterday|past week|past month|"
    "past year|last 7 days|last 30 days",
    "BADPERIOD",
)
add("daily", "PERIOD", "REPKIND", period="today", kind="daily")
add("weekly", "PERIOD", "REPKIND", period="week", kind="weekly")
add("monthly", "PERIOD", "REPKIND", period="month", kind="monthly")
add("yearly|annual", "PERIOD", period="year")

# ---------------------------------------------------------------- reports
add(
    "日报|日报告|每日报告|当日报告|daily report|day report|eod report",
    "REPORT",
    "REPKIND",
    kind="daily",
)
add("周报|周报告|每周报告|weekly report|week report", "REPORT", "REPKIND", kind="weekly")
add(
    "月报|月报告|每月报告|月度报告|monthly report|month report",
    "REPORT",
    "REPKIND",
    kind="monthly",
)
add("报告|汇报|汇总|报表|总结|小结|复盘|report|reports|summary|recap|statement", "REPORT")
add(
    "对冲|对冲ea|对冲单|分品种|按品种|各品种|每个品种|品种汇总|hedge|hedging|hedge ea|per symbol|"
    "per-symbol|by symbol|per-pair|per pair",
    "REPKIND",
    kind="hedge",
)

# ---------------------------------------------------------------- queries
add(
    "帮助|help|怎么用|如何使用|怎么使用|使用说明|使用方法|说明书|指令|命令|功能|菜单|menu|commands|"
    "command list|usage|what can you do|what can this bot do|what can the bot do|what can it do|"
    "what does this bot do|how to use|how do i use|教程|能做什么|会什么|你能干什么|"
    "能干啥|能干什么|有什么功能|用法|guide|manual|what do you do|怎么玩|help me out",
    "HELP",
)
add(
    "盈亏|浮盈|浮亏|浮动盈亏|收益|利润|损益|战绩|业绩|回报|收益率|盈亏情况|p&l|pnl|p/l|profit|profits|"
    "profit and loss|performance|returns|gains|earnings|赚亏|赚了多少|亏了多少|净盈亏|"
    "how am i doing|how did i do|how have i done|how am i doing so far",
    "PNL",
)
add(
    "赚|赚了|亏|亏了|赔|赔了|挣|挣了|赚钱|亏钱|make|made|earn|earned|lose|lost|gain|gained",
    "PNLWEAK",
)
add(
    "余额|净值|账户|账号|帐户|帐号|保证金|可用保证金|预付款|资金|本金|可用资金|账户信息|资产|"
    "还有多少钱|有多少钱|balance|equity|margin|free margin|account|funds|money|margin level|"
    "账户余额|杠杆|leverage",
    "ACCOUNT",
)
add(
    "价格|报价|多少钱|多少点|行情|价位|实时价|最新价|现在价格|price|prices|quote|rate|trading at|"
    "how much is|what is the price|报个价|几多钱|啥价|什么价|汇率|exchange rate|rate of",
    "QUOTE",
)
add("怎么|如何|怎样|how do i|how to|how can i|how do you|how does", "HOWTO")
add(
    "how much|how many|how's|how is|what is|what's|whats|how|where is|where's|wheres|where",
    "HOWMUCH",
)
add("?|吗|呢|么|what|which|any|是否|有没有|几|怎么样", "Q")
add(
    "持仓|仓位|单子|头寸|持有|positions|trades|holdings|open positions|open trades|exposure|"
    "open position|持仓单|仓|portfolio|what's open|whats open|what is open|anything open|current positions",
    "POSNOUN",
)
add("单", "POSNOUN", "WEAKNOUN", "CUNIT")
add("张|笔|个", "CUNIT")
add(
    "挂单列表|挂单情况|pending orders|orders|open orders|limit orders|委托|委托单|挂着的单",
    "ORDERS",
)
add(
    "看看|看下|看一下|查看|查询|查|显示|列出|列表|情况|哪些|有什么|有啥|有几|show|list|view|check|"
    "display|see|get|give me|tell me|发|发一下|发我|给我|看|来个|what are|what're|状态|status",
    "LIST",
)
add("简单|清单|名单|单词|单位|买单吧|菜单吧|单独|单纯", "NEUTRAL")

# ---------------------------------------------------------------- context references
add(
    "再来一单|再来一次|再来|再下一单|再开一单|再来一个|同样再来|照旧|照原样|一样的再来|same again|again|"
    "one more|repeat|do it again|same trade|same order|repeat last|再做一单|重复上一单",
    "REPEAT",
)
add(
    "它|它们|这单|那单|这个单|那个单|这一单|那一单|刚才那单|刚才的单|刚才那个|刚刚那单|刚才那笔|"
    "it|that|this one|that one|that trade|this trade|that position|this position|them",
    "PRONOUN",
)

# ---------------------------------------------------------------- things we must not act on
add(
    "为什么|为啥|怎么看|建议|应该|该不该|要不要|会不会|合适|一般|分析|预测|看多|看空|看涨|看跌|"
    "走势|趋势|适合|值得|能买吗|能卖吗|可以买吗|可以卖吗|该买|该卖|该平|机会|能不能涨|会涨|会跌|涨吗|跌吗|怎么办|技巧|策略建议|why|should|advice|"
    "买什么|卖什么|买啥|卖啥|买哪个|买哪些|什么好|哪个好|觉得|认为|看法|能到|会到|能涨到|会涨到|"
    "能跌到|会跌到|能不能买|能不能卖|能不能做多|能不能做空|可不可以买|可不可以卖|可以买吗|"
    "可以卖吗|能做多吗|能做空吗|going up|going down|go up|go down|bullish|bearish|"
    "recommend|suggest|think|opinion|predict|forecast|analysis|analyze|worth|would you|"
    "is it a good|good idea|can i|tips",
    "ADVICE",
)
add(
    "不要|别|不想|不用|先别|不准|禁止|不买|不卖|不平|不开|不做|don't|dont|do not|never|not|no",
    "NEG",
)
add(
    "诗|机票|火车票|天气|翻译|笑话|故事|写|作文|歌|电影|菜谱|食谱|poem|joke|weather|capital|"
    "translate|story|song|recipe|movie|essay|lol|haha|哈哈|lmao|nice|great|awesome|amazing|"
    "well done|漂亮|厉害|牛逼|太棒了|首饰|金首饰|金条|金店|金饰|戒指|项链|手镯",
    "OFFTOPIC",
)
add(
    "一半|半仓|三分之一|quarter|third|部分|一部分|partial|partially|some|一些|几手",
    "FRACTION",
)
add("half", "FRACTION", "HALF")
add("分之", "PCTOF")
add(
    "保本|成本价|开仓价|平保|打到成本|break even|breakeven|break-even|entry level|at entry",
    "BREAKEVEN",
)
add(
    "上移|下移|上调|下调|提高|降低|收紧|放宽|往上|往下|拉高|拉低|移动止损|追踪止损|trail|trailing|"
    "tighten|widen|raise|lower|by|up|down|加|减|加大|减少",
    "RELMOVE",
)

# ---------------------------------------------------------------- units
add("手|lot|lots|lotsize|标准手", "LOT", factor=1.0)
add("手半", "LOT", factor=1.0, plus=0.5)
add("手数|lot size|lots:|volume|vol|交易量|数量", "VOLMARK")
add("mini lot|mini lots|迷你手", "LOT", factor=0.1)
add("micro lot|micro lots|微型手", "LOT", factor=0.01)
add("半手|half a lot|half lot|half a lots|半个手", "VOLUME", volume=0.5)
add("a mini lot|one mini lot", "VOLUME", volume=0.1)
add("a micro lot|one micro lot", "VOLUME", volume=0.01)
add("a lot|a lot of", "NEUTRAL")
add("lots of|lot of", "LOT", factor=1.0)  # "two lots of gold"; "lots of money" has no number
add("点|pips|pip|points|point|个点|跳|ticks", "DIST")
add("trades|positions|orders|单子", "CUNIT")
add(
    "one|two|three|four|five|six|seven|eight|nine|ten",
    "NUMWORD",
)

# ---------------------------------------------------------------- misspellings traders make
add("positons|postions|posistions|possitions|positon|postion|poisitions", "POSNOUN")
add("balence|ballance|blance|balnce", "ACCOUNT")
add("clsoe|colse|cloes", "CLOSE")
add("cancle|cancell", "CANCEL")

# ---------------------------------------------------------------- time we cannot express
add(
    "明天|明日|后天|下周|下星期|下个月|今晚|晚上|明早|开盘后|开盘时|收盘前|收盘时|明天开盘|"
    "分钟后|小时后|稍后|过一会|等一下|一会|一会儿|待会|待会儿|等会|等会儿|每天|每日|每周|每月|每小时|tomorrow|tonight|next week|"
    "next month|later|every day|every week|every hour|each day|in an hour|in a minute",
    "SCHEDULE",
)
# "…然后…": a second action follows
add("然后|接着|随后|之后再|再然后|and then|then|after that|afterwards", "SEQ")
# words made of numeral characters that are not numbers (统一 = uniformly, 一起 = together)
# words that contain 别 (don't) but say no negation
add("分别|特别|区别|别的|级别|类别|告别|识别|个别|respectively", "NEUTRAL")
add(
    "统一|一起|一直|一样|一定|唯一|一共|一切|一旦|一致|一边|一点点|一点儿|有点",
    "NEUTRAL",
)

# ---------------------------------------------------------------- fillers (skipped by the grammar)
add(
    "帮我|请|麻烦|给我|一下|的|了|吧|啊|呀|把|我|我的|我们|帮忙|帮|the|a|an|my|me|i|please|pls|plz|"
    "with|and|和|跟|及|还有|那张|这张|一个|一张|那个|这个|就|也|再|先|then|now please|kindly|"
    "can you|could you|you|your|it's|its|mine|some of",
    "FILLER",
)
add(",|.|;|!|、|'s|(|)|[|]|-|~|/|\\|\"|'", "FILLER", "PUNCT")

# Foreign instruments: mentioned → the message is not about a symbol we know.
add(
    "ger40|ger30|de40|de30|dax|dax40|uk100|ftse|ftse100|jp225|jpn225|nikkei|nikkei225|hk50|hsi|"
    "hk33|aus200|asx200|eu50|stoxx50|fra40|cac40|cn50|a50|china50|us2000|russell|ukoil|brent|"
    "xbrusd|ngas|natgas|xngusd|xptusd|xpdusd|copper|xrp|solana|doge|dogecoin|ltc|litecoin|bnb|"
    "dxy|usdx|tesla|tsla|aapl|apple|google|googl|amazon|amzn|microsoft|msft|nvidia|netflix|meta|"
    "stock|stocks|shares|etf|nvda|恒指|恒生|德指|德国指数|日经|富时|英国富时|法指|澳指|富时a50|"
    "布油|布伦特|天然气|铜|铂金|白金|钯金|美元指数|离岸人民币|人民币|港币|狗狗币|瑞波币|莱特币|"
    "比特币现金|以太经典|特斯拉|苹果|英伟达|茅台|股票|欧澳|欧加|欧纽|欧瑞|镑澳|镑加|镑纽|镑瑞|"
    "澳日|澳加|澳纽|澳瑞|纽日|加日|瑞日|纽加|美港|美新|美元人民币|美元兑人民币",
    "FOREIGN",
)

# Words that make a price word also a symbol quote (金价 = the price of gold).
QUOTE_SYMBOL_WORDS = frozenset({"金价", "银价", "油价", "国际金价"})

ISO_CODES = frozenset(
    [
        "usd",
        "eur",
        "gbp",
        "jpy",
        "aud",
        "nzd",
        "cad",
        "chf",
        "cnh",
        "cny",
        "hkd",
        "sgd",
        "sek",
        "nok",
        "dkk",
        "try",
        "zar",
        "mxn",
        "pln",
        "huf",
        "czk",
        "xau",
        "xag",
        "xpt",
        "xpd",
        "rub",
        "inr",
        "krw",
        "thb",
    ]
)

# ---------------------------------------------------------------- whole-message checks
INJECTION = re.compile(
    "|".join(
        [
            r"ignore\b.{0,40}\b(instruction|prompt|rule|previous|above|prior|earlier)",
            r"disregard",
            r"system\s*prompt",
            r"^\s*system\s*:",
            r"\bdev(eloper)?\s*mode",
            r"jailbreak",
            r"\bhidden\s+(rules|prompt|instructions)",
            r"\b(reveal|print|show|repeat|tell me|output|leak)\b.{0,20}\b(system|hidden|secret|initial|original)\b",
            r"\byour\s+(instructions|rules|prompt|system)",
            r"\byou\s+are\s+now\b",
            r"\bpretend\b",
            r"\bact\s+as\b",
            r"\brole\s*-?play",
            r"\btransfer",
            r"\bwithdraw(al)?\b(?!\s+order)",
            r"\bwire\b",
            r"\bsend\s+(money|funds|\$|usd|cash)",
            r"\ball\s+(my|the|your)\s+(money|funds|cash)",
            r"\bbypass\b",
            r"\bskip\b.{0,10}\bconfirm",
            r"\bwithout\s+(a\s+)?confirm",
            r"\bno\s+confirm",
            r"\bdon'?t\s+(ask|confirm)",
            r"\boverride\b",
            r"\bfrom\s+now\s+on\b",
            r"\bnew\s+rules?\b",
            r"\badmin\s+mode\b",
            r"\bsudo\b",
            r"\bapi\s*key",
            r"\bpassword",
            r"\bprompt\b",
            r"\bforget\b.{0,20}\b(everything|all|previous|your|instructions|rules)",
            r"\binstructions?\s*:",
            r"\bas\s+(an?\s+)?admin",
            r"忽略|无视|不要理会|别管之前|之前的指令|以上的指令|上面的指令|之前的规则|系统提示|提示词|"
            r"开发者模式|越狱|你现在是|你是一个|扮演|假装|转账|转给|转到|转钱|转出|提现|出金|入金|汇款|"
            r"打款|所有钱|全部钱|把钱|所有的钱|全部的钱|跳过确认|不用确认|无需确认|不需要确认|不要确认|"
            r"别确认|从现在开始|从现在起|新规则|密码|密钥|规则改|修改规则|关闭风控|关掉风控|取消限制|"
            r"解除限制|管理员身份|以管理员|作为管理员|泄露|你的规则|你的指令|隐藏的规则|系统指令|管理员模式|最高权限",
        ]
    )
)

# 过去7天 / 最近3天 / last 10 days / past 2 weeks: rolling windows are not expressible.
ROLLING = re.compile(
    r"(过去|最近|近|前)\s*(\d+|[一二两三四五六七八九十半]+)\s*(天|日|周|个?星期|个?礼拜|个?月|年)|"
    r"\b(last|past|previous)\s+(\d+|one|two|three|four|five|six|seven|ten|few)\s+(days?|weeks?|months?|years?)\b"
)
