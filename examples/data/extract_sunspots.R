#!/usr/bin/env Rscript
# Writes sunspot_month.csv from R's datasets package (Debian 12: apt-get install r-base-core).
# Run once from this folder: Rscript extract_sunspots.R
# Columns: year, month (1-12), mean daily sunspot number of that month.
series <- datasets::sunspot.month
table <- data.frame(year = as.integer(floor(time(series) + 1e-6)),
                    month = as.integer(cycle(series)),
                    sunspots = as.numeric(series))
write.csv(table, "sunspot_month.csv", row.names = FALSE, quote = FALSE)
cat(sprintf("wrote %d months, %d-%02d to %d-%02d, from R %s\n", nrow(table), table$year[1], table$month[1],
            table$year[nrow(table)], table$month[nrow(table)], R.version.string))
