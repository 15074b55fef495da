"""The words contract v2 added to the rule parser's vocabulary (nlp/lexicon.py has the rest).

Three groups:
- *speech-act markers*, read before any slot (nlp/speech_acts.py): reporting verbs, modality
  and conditions, past time and aspect, questions about words, advice, news, complaints;
- the v2 intents and keys: charts and timeframes, indicators, symbol info, history, alerts,
  subscriptions, fractions, break-even, shifts, trailing stops, risk sizing;
- Cantonese trading words and chat-app spellings (the text is already Simplified: nlp/script.py
  converts Traditional script before the lexicon sees it).

Importing this module registers the words in `LEXICON`; nlp/tokens.py builds its matcher from
the complete table.
"""

from __future__ import annotations

from nlp.lexicon import LEXICON as LEXICON
from nlp.lexicon import add

# ---------------------------------------------------------------- speech acts
# reported speech: someone else's words are not the user's request
add(
    "说|讲|喊|喊单|听说|据说|听讲|据悉|传言|传闻|话|让我|叫我把|叫我买|叫我卖|叫我平|叫我做|"
    "说要|讲要|话要|says|said|saying|say|told me|tells me|told|heard|apparently|according to|"
    "rumor|rumour|rumors|signal channel|signals channel|telegram group|on twitter",
    "REPORTING",
)
add("电话|说明|说明书|使用说明|话费|讲解", "NEUTRAL")
# modality and conditions: a wish, a regret or a condition is not a request now
add(
    "如果|要是|假如|假使|若|若果|如若|万一|的话|当初|本来|早知道|早知|当时|要不是|倘若|一旦|"
    "if|if only|would|would have|should have|could have|wish|imagine|unless|once|in case|"
    "whenever|when|had i|if i had",
    "HYPO",
)
add("假设", "HYPO")
# past time: a trade told in the past is narration
add(
    "刚才|刚刚|之前|以前|前几天|前阵子|上次|上回|去年|已经|已|早上|今天早上|今早|昨晚|啱啱|头先|"
    "this morning|last night|on monday|on tuesday|on wednesday|on thursday|on friday|ago|already|"
    "earlier today|earlier",
    "PASTTIME",
)
add("琴日|寻日", "PERIOD", "PASTTIME", period="yesterday")
# aspect markers right after a verb: 了 (done), 过 (ever), 咗 (Cantonese 了)
add("了|过|咗", "FILLER", "ASPECT")
# the speaker as the subject ("我…买了" narrates; "帮我…" asks)
add("我|i|i've|i have|我们|we", "FILLER", "SELF")
# English past forms of trade verbs
add(
    "shorted|longed|went long|went short|got stopped|stopped out|got stopped out|got hit|was hit|"
    "got liquidated|exited|entered|opened|took profit|took a loss|cashed out|bailed",
    "STATEMENT",
)
add("closed", "CLOSEDADJ")
# questions about words and how things work
add(
    "什么意思|是什么|什么是|什么叫|啥意思|咩意思|系咩|即系点|有什么区别|什么区别|区别|怎么看|怎么算|"
    "怎么计算|如何计算|是多少盎司|多少盎司|含义|定义|what does|what is a|what is an|"
    "what's a|what's an|whats a|mean|means|meaning|definition|difference|explain|how does|"
    "how do trailing|what are pips",
    "DEFINE",
)
add(
    "得唔得|会唔会|好唔好|系唔系|是不是|会不会|能不能|可不可以|还是|吗|呢|咩|么|嘛|?|？",
    "Q",
)
add("点解|为何|why", "ADVICE")
# advice, opinions, news, complaints: talk about the market, not a request
add(
    "稳了|必涨|必跌|可以多|可以空|可以做多|可以做空|好策略|策略|逢低|逢高|是个好|you should|"
    "always|great buy|looks|heading|bullish|bearish|稳赚|肯定涨|肯定跌|冲|梭哈|all in|yolo",
    "ADVICE",
)
add(
    "大跌|大涨|暴跌|暴涨|跳水|拉升|宣布|公布|数据|加息|降息|央行|美联储|非农|cpi|fed|opec|rallies|"
    "rally|rallied|jumps|jumped|plunges|plunged|surges|surged|crashes|crashed|dumps|dumped|pumps|"
    "moon|news|新闻|消息|利率|基点|超预期|不及预期",
    "NEWS",
)
add(
    "垃圾|难受|滑点|爆仓|又亏|被扫|被打|被止损|出局|useless|rejected|hunted|way too|太大|没反应|"
    "坑|骗子|scam|sucks|terrible|broken|又被|教育|心态|崩了|亏麻了|哭",
    "COMPLAINT",
)
add("老婆|老公|买包|包包|哈哈哈|哈哈哈哈|嘻嘻|呵呵|lmao|rofl|jk|kidding", "OFFTOPIC")
# courtesy around a request changes nothing
add(
    "谢谢|谢谢你|谢了|多谢|thanks|thank you|thx|ty|老板|谢谢老板|辛苦了|快点|赶紧|赶快|好的|ok|okay|"
    "收到|嗯|哦|right now|rn|asap|u|pls|plz|pl|please|kindly|for me|for me please|"
    "到目前为止|目前为止|迄今|迄今为止|so far|to date|嘅|啲|啦|喇|喎|呀|仲|而家|宜家",
    "FILLER",
)
# polite request frames: "can you…?" asks the bot to act
add(
    "can you|could you|can u|could u|would you please|能帮我|可以帮我|能不能帮我|可不可以帮我|"
    "麻烦你|麻烦帮我|帮我一下",
    "FILLER",
    "POLITE",
)
add("别再|不要再|唔好再", "NEG")
add("唔好|唔要|不想要", "NEG")

# ---------------------------------------------------------------- Cantonese trading words
add("沽|沽出|揸沽|卖沽", "SIDE", "ACTION", side="sell")
add("沽单|沽盘|沽仓", "SIDE", "NOUN", "POSNOUN", side="sell")
add("平晒|全部平晒|平晒佢|清晒", "CLOSE", "SEL", sel="all")
add("落单|落张单|落个单|落一单|落盘|入单", "OPEN")
add("佢|佢哋", "PRONOUN")
add("睇|睇下|睇吓|睇一睇|睇睇", "LIST")
add("边啲|乜嘢", "LIST")
add("有咩单|有乜单|咩单|乜单", "POSNOUN")
add("几钱|几多钱|几银|乜价", "QUOTE")
add("仲有几多钱|有几多钱|剩几多钱", "ACCOUNT")
add("蚀|蚀咗|蚀钱|输|输咗", "PNLWEAK")
add("蚀紧嘅|蚀紧的|输紧嘅|亏紧嘅|亏着|亏钱嘅", "SEL", sel="losing")
add("赚紧嘅|赚紧的|赢紧嘅|赚着", "SEL", sel="profitable")
add("今个月|呢个月|今個月", "PERIOD", period="month")
add("今个星期|呢个星期|今个礼拜|呢个礼拜", "PERIOD", period="week")
add("上个星期|上个礼拜|上礼拜", "PERIOD", period="last_week")
add("听日|阵间|一阵|迟啲|迟d|等阵", "SCHEDULE")

# ---------------------------------------------------------------- time we cannot express
add(
    "等|等到|等非农|before|before the|before the weekend|before nfp|london open|new york open|"
    "asian open|at the open|minutes|minute|mins|hours|半小时后|一小时后|几分钟后|小时后|分钟后|"
    "周一|下周一|星期一|monday|tuesday|wednesday|thursday|friday|weekend|周末",
    "SCHEDULE",
)

# ---------------------------------------------------------------- chart, timeframes
add("图|图表|k线|k线图|走势图|蜡烛图|chart|charts|candles|candlestick|candlesticks|k图", "CHART")
_TIMEFRAMES = {
    "M1": "1分钟|一分钟|1分|1分钟图|m1|1m|1min|1 min|1分钟线",
    "M5": "5分钟|五分钟|5分|m5|5m|5min|5 min|5分钟线",
    "M15": "15分钟|十五分钟|15分|m15|15m|15min|15 min|一刻钟",
    "M30": "30分钟|三十分钟|30分|半小时|m30|30m|30min|30 min",
    "H1": "1小时|一小时|1h|h1|小时图|小时线|1hr|1 hour|hourly|60分钟|1个小时|一个小时|1 hour chart",
    "H4": "4小时|四小时|4h|h4|4hr|4 hour|4个小时|四个小时",
    "D1": "日线|日k|日线图|d1|1d|日图|day chart|日k线|daily|天图",
    "W1": "周线|周k|周线图|w1|1w|weekly|周图|周k线",
    "MN1": "月线|月k|月线图|mn1|monthly|月图|月k线",
}
for _tf, _words in _TIMEFRAMES.items():
    add(_words, "TF", tf=_tf)

# ---------------------------------------------------------------- indicators
_INDICATORS = {
    "MA": "ma|sma|均线|移动平均|移动平均线|简单均线|moving average",
    "EMA": "ema|指数均线|指数移动平均|exponential moving average",
    "RSI": "rsi|相对强弱|相对强弱指标|相对强弱指数",
    "MACD": "macd",
    "BOLL": "boll|布林|布林带|布林线|布林通道|bollinger|bollinger bands|bollinger band|bb|bands",
    "KDJ": "kdj|stochastic|stoch|随机指标|stochastics",
    "ATR": "atr|真实波幅|平均真实波幅|average true range",
}
for _ind, _words in _INDICATORS.items():
    add(_words, "IND", ind=_ind)
add("指标|indicator|indicators", "INDWORD")

# ---------------------------------------------------------------- key levels (market structure)
# Traditional forms (支撐, 壓力位, 關鍵位) arrive simplified (nlp/script.py)
add(
    "支撑|阻力|支撑位|阻力位|压力|压力位|支撑阻力|支撑和阻力|支撑与阻力|支撑压力|关键位|关键价位|"
    "关键点位|支撑阻力位|支阻|key levels|key level|support|resistance|support and resistance|"
    "support resistance|support/resistance|s/r|price levels",
    "LEVELS",
)

# ---------------------------------------------------------------- symbol info
add(
    "合约信息|合约规格|合约资料|合约详情|合约|点差|隔夜利息|隔夜费|过夜费|库存费|掉期|利息|交易时间|"
    "交易时段|开市时间|品种信息|交易品种信息|品种规格|合约大小|最小手数|合约单位|spread|spreads|swap|"
    "swaps|contract specs|contract spec|contract|specs|specification|specifications|contract size|"
    "trading hours|trading session|trading sessions|symbol info|instrument info|market hours",
    "SYMINFO",
)

# ---------------------------------------------------------------- history
add(
    "历史成交|历史订单|历史记录|历史交易|成交记录|平仓记录|交易记录|历史|交割单|已平仓|已平仓的单|"
    "历史单|trade history|deal history|history|past trades|deals|closed trades|closed positions|"
    "closed orders|trading history|order history",
    "HISTORY",
)

# ---------------------------------------------------------------- alerts
add(
    "提醒我|提醒|提醒一下|通知我|通知|叫我|记得提醒我|喊我|alert|alerts|alert me|notify me|notify|"
    "tell me when|ping me|let me know|price alert|set alert|set an alert|到价提醒|价格提醒|"
    "send me an alert|remind me",
    "ALERT",
)

# ---------------------------------------------------------------- subscriptions
add("订阅|subscribe|subscribe to|sub to|推送|推送给我|定时发送|每天发我", "SUB")
add(
    "取消订阅|退订|unsubscribe|unsubscribe from|不要再推送|不要推送|别再推送|别推送|不用推送|"
    "不用再推送|别再发|不要再发|不用再发|别发了|不要发了|不用发了|stop sending|stop sending me|"
    "取消推送|关闭推送|停止推送|停掉推送|don't send|dont send|no more",
    "UNSUB",
)

# ---------------------------------------------------------------- pnl, quote, orders additions
add("月盈亏|月度盈亏|月收益", "PNL", "PERIOD", period="month")
add("周盈亏|周度盈亏|周收益", "PNL", "PERIOD", period="week")
add("日盈亏|当日盈亏", "PNL", "PERIOD", period="today")
add("年盈亏|年度盈亏|年收益", "PNL", "PERIOD", period="year")
add("up or down|赚还是亏|亏还是赚|赚定亏|赚咗定蚀咗|赚了还是亏了|亏了还是赚了", "PNL")
add("买卖价|买价|卖价|bid|ask|bid/ask|bid ask|bidask|买一价|卖一价", "QUOTE")
add("挂了|挂着|挂着的|挂了的|挂的单|挂住", "ORDERS")
add("号ea|号的ea|号策略|号机器人|号 ea", "MAGICAFTER")

# ---------------------------------------------------------------- trade management
# fractions of the matched positions' volume (nlp/management.py reads the numbers)
add("一半|半仓|half|a half|half of|half my|一半仓位|半数", "FRACTION", frac=0.5)
add("四分之一|a quarter|quarter|1/4|四份一", "FRACTION", frac=0.25)
add("三分之一|a third|one third|1/3|三份一", "FRACTION", frac=1 / 3)
add("三分之二|two thirds|2/3", "FRACTION", frac=2 / 3)
add("四分之三|three quarters|3/4", "FRACTION", frac=0.75)
add("%|percent|pct|百分之|成", "PCT")
add("风险|risk|risking|风险敞口", "RISK")
add(
    "保本|成本价|开仓价|平保|打到成本|移到开仓价|移到成本|break even|breakeven|break-even|"
    "entry level|at entry|to entry|to break even|to breakeven",
    "BREAKEVEN",
)
add(
    "上移|往上|向上|上调|提高|拉高|上挪|往上挪|向上挪|向上移|往上移|up|raise|higher",
    "SHIFT",
    sign=1,
)
add("下移|往下|向下|下调|降低|拉低|下挪|往下挪|向下挪|向下移|往下移|down|lower", "SHIFT", sign=-1)
add(
    "移动止损|跟踪止损|追踪止损|trailing|trailing stop|trail|trailing sl|trailing stop loss|"
    "移动止盈|动态止损",
    "TRAIL",
)

# ---------------------------------------------------------------- English request frames
add(
    "want|want to|i want to|i'd like to|i would like to|would like to|like to|wanna|i wanna|"
    "need to|i need to|let's|lets|go ahead and|go ahead",
    "FILLER",
    "POLITE",
)
add("add|add a|add an", "MODIFY")
add("from|off|into", "PREP")
add("how does this work|how does it work|how does this bot work|how do you work", "HELP")
add("来个|来一个|来张|来一张|来一单", "OPEN", "OPENWEAK")
add("take|take off|trim|reduce|scale out|scale out of", "CLOSE")
add("do i have|do i have any|have i got|got any|do we have", "LIST", "POSNOUN")
add("some of|some|a bit|a little|一些|部分仓位", "FRACTION")
# the market moving: talk about the market unless it sets an alert ("涨到2400提醒我")
add(
    "涨|跌|升|要跌|要涨|要升|会跌|会涨|会升|跌了|涨了|升了|rise|rising|fall|falling|drop|dropping|"
    "go higher|go lower|move higher|move lower",
    "MOVE",
)
add("view on|your view|views on|take on|thoughts on|你怎么看|怎么看待", "ADVICE")
# someone else as the subject: their trades are news about them, not a request
add(
    "大家|他|她|他们|她们|别人|有人|人家|群友|大佬|大神|朋友|同事|老师|师傅|everyone|everybody|"
    "people|they|he|she|others|someone|somebody|the group|whales",
    "THIRD",
)
add("其他|其它|其他的|吉他", "NEUTRAL")
add("一点点|一点儿|少少|少量|a bit of", "FRACTION")
add("能追|还能追|可以追|追吗|追高|追涨|杀跌|抄底|摸顶", "ADVICE")
add("cut", "CLOSE")
add("buy limits|buy stops", "SIDE", "NOUN", "KIND", side="buy", otype="limit")
add("sell limits|sell stops", "SIDE", "NOUN", "KIND", side="sell", otype="limit")
add("pending", "ORDERS")
add("stop the|stop my|stop pushing", "UNSUB")
add("没|了没|了没有|没呢|未|咗未|了未", "Q")
add("没有", "Q")
add("唔使|唔洗|不必|无需|不需要|没必要", "NEG")
add("唔使再推送|唔使推送|唔洗再推送|唔使再发|不需要推送|无需推送|不必推送", "UNSUB")
add("turn off|switch off|disable|mute|unsub|stop receiving", "UNSUB")
add("turn on|switch on|enable|sign me up for|sign up for", "SUB")
add("can i see|can i get|can i have|could i see|could i get|may i see|may i have", "LIST", "POLITE")
add("am i down|am i up|how much am i up|how much am i down|am i in profit|am i making money", "PNL")
add("text me|message me|msg me|dm me|ping me when|buzz me", "ALERT")
add("yes|yeah|yep|ya|sure|here|right here|from here|是的|对的|行", "FILLER")
# a plan or an intention told about is not a request to act now
add(
    "gonna|going to|planning to|plan to|thinking about|thinking of|i'm thinking|i will|i'll|"
    "im going to|i'm going to|打算|准备|计划|考虑|想着|琢磨",
    "PLAN",
)
# "…就买": the action follows a condition ("跌到2300就买")
add("就买|就卖|就平|就平仓|就做多|就做空|就进场|就下单|就开|就空|就多|就沽|就止损|就止盈", "HYPO")
add("成本|拉到成本|移到成本|挪到成本|设到成本|调到成本|提到成本|拉回成本", "BREAKEVEN")
add(
    "什么单|啥单|哪些单|几单|几张单|咩单|多少单|多少张单|还有几手|还有多少手|有几手|有多少手",
    "POSNOUN",
    "LIST",
)
add("平了哪些|平仓了哪些|平了什么|平掉了哪些|平了几单|平了多少单", "HISTORY")
add("如何|怎么样|咋样|点样", "Q")
add("生成|完成|形成|达成|组成|变成|做成", "NEUTRAL")
add("成交|成交了|成交过|成交的单", "HISTORY")
# Hong Kong spellings of the levels (止蝕 = 止损, 止賺 = 止盈), after t2s
add("止蚀|止蚀位|止蚀价|止输|止蚀盘", "SL")
add("止赚|止赚位|止赚价|获利位|获利价|止盈盘", "TP")
add("移动止蚀|跟踪止蚀|追踪止蚀", "TRAIL")
add("入市|入场买", "OPEN")
add("那|这|此|那些|这些|嗰|呢啲|嗰啲", "FILLER")
add("按|以|帮手|返|进|位置|的位置|回调|回落|回踩|对|给|要|想|下个", "FILLER")
add("止盈设置|止盈设置到|止盈设置为", "TP", "MODIFY")
add("止损设置|止损设置到|止损设置为", "SL", "MODIFY")
add("多一点|多一些|少一点|少一些|多点|少点|多少少|左右|大概|差不多|约", "FRACTION")

# ---------------------------------------------------------------- typing slips (pinyin IMEs)
add("止赢|止营|止影", "TP")
add("止顺|止孙|止笋", "SL")
add("赢亏|营亏|盈愧", "PNL")
add("持舱|持昌|吃仓", "POSNOUN")
add("挂弹|挂蛋", "KIND", "ORDERS", otype="pending")
add("平舱", "CLOSE")
