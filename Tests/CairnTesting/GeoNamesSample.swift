/// A few lines in GeoNames' dump format (19 tab-separated columns), with real places near Stonehenge, a
/// non-populated feature and two malformed lines.
public enum GeoNamesSample {
    public static let cities = [
        "2657540\tAmesbury\tAmesbury\t\t51.17509\t-1.78024\tP\tPPL\tGB\t\tENG\tY4\t\t\t10116\t\t95\tEurope/London\t2012-01-01",
        "2638864\tSalisbury\tSalisbury\t\t51.06931\t-1.79569\tP\tPPL\tGB\t\tENG\tY4\t\t\t41820\t\t49\tEurope/London\t2019-09-05",
        "2636812\tStonehenge\tStonehenge\t\t51.17889\t-1.82611\tS\tANS\tGB\t\tENG\tY4\t\t\t0\t\t102\tEurope/London\t2016-01-01",
        "not\ta\tplace",
        "123\tNowhere\tNowhere\t\t123.0\t-1.0\tP\tPPL\tGB\t\tENG\t\t\t\t5\t\t1\tEurope/London\t2012-01-01",
    ].joined(separator: "\n") + "\n"

    public static let admin1 = "GB.ENG\tEngland\tEngland\t6269131\nGB.SCT\tScotland\tScotland\t2638360\n"
}
