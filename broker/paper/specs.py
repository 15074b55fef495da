"""Contract specifications of the paper terminal's symbols (typical ECN/raw-spread values)."""

from __future__ import annotations

from dataclasses import dataclass

from broker.paper.constants import MT5Constants as c


@dataclass(frozen=True, slots=True)
class Spec:
    name: str  # canonical name; the terminal may add a suffix (".m")
    description: str
    path: str
    digits: int
    contract_size: float
    base_price: float  # centre of the random walk
    daily_vol: float  # standard deviation of one day's log return
    spread_points: int
    currency_base: str
    currency_profit: str
    currency_margin: str
    calc_mode: int
    volume_min: float = 0.01
    volume_max: float = 100.0
    volume_step: float = 0.01
    stops_level: int = 0
    freeze_level: int = 0
    filling_mode: int = 3  # bit mask: 1 = FOK, 2 = IOC
    swap_long: float = 0.0  # points per lot per night
    swap_short: float = 0.0
    commission_per_lot: float = 0.0  # account currency, charged on every deal (each side)
    margin_rate: float = 1.0  # multiplier on the leverage-based margin (crypto: lower leverage)
    visible: bool = True
    # When the market is open, in server time (brokers run their servers at UTC+2/+3 so that
    # the FX week is Monday 00:00 to Friday 24:00): trading weekdays (Monday = 0) and the
    # daily session in whole hours. No bars, no price moves outside them.
    trading_days: int = 5  # Monday … Friday; 7 = every day (crypto)
    session_hours: tuple[int, int] = (0, 24)

    @property
    def point(self) -> float:
        return 10.0**-self.digits

    def is_open(self, server_s: float) -> bool:
        """True when the market quotes at this server-time epoch second."""
        day = int(server_s // 86_400)
        if (day + 3) % 7 >= self.trading_days:  # day 0 (1970-01-01) was a Thursday
            return False
        hour = int(server_s % 86_400) // 3600
        return self.session_hours[0] <= hour < self.session_hours[1]

    def last_open(self, server_s: float) -> float:
        """`server_s` while the market is open, else the last second it was open (the price
        stands still from the close to the next open, as a real quote does)."""
        if self.is_open(server_s):
            return server_s
        t = int(server_s // 3600) * 3600  # sessions are whole hours: step back hour by hour
        for _ in range(24 * 8):
            if self.is_open(t - 1):
                return float(t - 1)
            t -= 3600
        return server_s  # never open (a misconfigured spec): keep the path moving

    def sessions_on(self, server_day: int) -> tuple[tuple[int, int], ...]:
        """The open intervals [start, end) of a server-time day (epoch day number), in
        server-time epoch seconds; () on a day the market is closed."""
        if (server_day + 3) % 7 >= self.trading_days:
            return ()
        start, end = self.session_hours
        base = server_day * 86_400
        return ((base + start * 3600, base + end * 3600),)


FX = c.SYMBOL_CALC_MODE_FOREX
CFD = c.SYMBOL_CALC_MODE_CFD
CFDINDEX = c.SYMBOL_CALC_MODE_CFDINDEX

SPECS: tuple[Spec, ...] = (
    Spec("EURUSD", "Euro vs US Dollar", "Forex\\Majors\\EURUSD", 5, 100_000, 1.0850, 0.0045,
         3, "EUR", "USD", "EUR", FX, stops_level=10, filling_mode=3, swap_long=-7.2,
         swap_short=2.1, commission_per_lot=3.5),
    Spec("GBPUSD", "Great Britain Pound vs US Dollar", "Forex\\Majors\\GBPUSD", 5, 100_000,
         1.2700, 0.0055, 6, "GBP", "USD", "GBP", FX, stops_level=10, filling_mode=3,
         swap_long=-4.1, swap_short=-1.3, commission_per_lot=3.5),
    Spec("USDJPY", "US Dollar vs Japanese Yen", "Forex\\Majors\\USDJPY", 3, 100_000, 150.00,
         0.0060, 5, "USD", "JPY", "USD", FX, stops_level=10, filling_mode=3, swap_long=14.6,
         swap_short=-29.8, commission_per_lot=3.5),
    Spec("AUDUSD", "Australian Dollar vs US Dollar", "Forex\\Majors\\AUDUSD", 5, 100_000,
         0.6550, 0.0065, 4, "AUD", "USD", "AUD", FX, stops_level=10, filling_mode=1,
         swap_long=-3.9, swap_short=-0.8, commission_per_lot=3.5),
    Spec("USDCAD", "US Dollar vs Canadian Dollar", "Forex\\Majors\\USDCAD", 5, 100_000,
         1.3600, 0.0045, 6, "USD", "CAD", "USD", FX, stops_level=10, filling_mode=1,
         swap_long=1.2, swap_short=-8.7, commission_per_lot=3.5),
    Spec("XAUUSD", "Gold vs US Dollar", "Metals\\XAUUSD", 2, 100, 2650.00, 0.0100, 15,
         "XAU", "USD", "XAU", CFD, volume_max=50.0, stops_level=50, filling_mode=2,
         swap_long=-45.2, swap_short=24.8, commission_per_lot=3.5, session_hours=(1, 24)),
    Spec("XAGUSD", "Silver vs US Dollar", "Metals\\XAGUSD", 3, 5_000, 31.000, 0.0180, 25,
         "XAG", "USD", "XAG", CFD, volume_max=20.0, stops_level=30, filling_mode=2,
         swap_long=-12.5, swap_short=3.1, commission_per_lot=3.5, visible=False, session_hours=(1, 24)),
    Spec("USOIL", "WTI Crude Oil", "Energies\\USOIL", 2, 1_000, 70.00, 0.0220, 3, "USD",
         "USD", "USD", CFD, volume_max=50.0, stops_level=20, filling_mode=3, swap_long=-6.0,
         swap_short=-2.0, session_hours=(1, 24)),
    Spec("BTCUSD", "Bitcoin vs US Dollar", "Crypto\\BTCUSD", 2, 1, 90_000.00, 0.0300, 1500,
         "BTC", "USD", "BTC", CFD, volume_max=10.0, stops_level=1000, filling_mode=2,
         swap_long=-1800.0, swap_short=-900.0, margin_rate=20.0, trading_days=7),
    Spec("NAS100", "US Tech 100 Index", "Indices\\NAS100", 2, 1, 21_000.00, 0.0120, 100,
         "USD", "USD", "USD", CFDINDEX, volume_min=0.1, volume_max=500.0, volume_step=0.1,
         stops_level=100, filling_mode=2, swap_long=-250.0, swap_short=-90.0,
         session_hours=(1, 24)),
    Spec("US30", "Wall Street 30 Index", "Indices\\US30", 2, 1, 43_000.00, 0.0090, 200,
         "USD", "USD", "USD", CFDINDEX, volume_min=0.1, volume_max=500.0, volume_step=0.1,
         stops_level=200, filling_mode=2, swap_long=-480.0, swap_short=-170.0, visible=False,
         session_hours=(1, 24)),
)  # fmt: skip

SPECS_BY_NAME: dict[str, Spec] = {s.name: s for s in SPECS}
