# Independent reference values from R for pfocr_enrich's statistics tests.
#
# Run from the repository root:
#     Rscript tests/data/reference/phyper.R
#
# Writes (all tab-separated, header row, "\n" line endings, reals as %.17g):
#   tests/data/reference/phyper.tsv          hypergeometric upper tail P(X >= k)
#   tests/data/reference/p_adjust.tsv        stats::p.adjust, 6 methods
#   tests/data/reference/qvalue.tsv          qvalue::qvalue q-values (200 p)   [if qvalue installed]
#   tests/data/reference/qvalue_pi0.txt      qvalue::qvalue pi0 (200 p)        [if qvalue installed]
#   tests/data/reference/qvalue_1000.tsv     qvalue::qvalue q-values (1000 p)  [if qvalue installed]
#   tests/data/reference/qvalue_1000_pi0.txt qvalue::qvalue pi0 (1000 p)       [if qvalue installed]
#   tests/data/reference/qvalue_pi0_lambda.tsv per-lambda pi0 estimates (debug aid) [if qvalue installed]
#   tests/data/reference/fisher.tsv          one-sided Fisher exact test on 2x2 tables
#   tests/data/reference/versions.txt        R / package versions used

out_dir <- file.path("tests", "data", "reference")
if (!dir.exists(out_dir)) {
  stop("run from the repository root: Rscript tests/data/reference/phyper.R")
}

fmt_real <- function(x) {
  ifelse(is.finite(x), sprintf("%.17g", x), as.character(x))  # Inf / -Inf / NaN
}
fmt_int <- function(x) sprintf("%d", as.integer(x))

write_tsv <- function(df, name, int_cols = character()) {
  out <- df
  for (col in names(out)) {
    out[[col]] <- if (col %in% int_cols) fmt_int(out[[col]]) else fmt_real(out[[col]])
  }
  path <- file.path(out_dir, name)
  con <- file(path, open = "wb")  # binary mode: "\n" line endings on every OS
  writeLines(paste(names(out), collapse = "\t"), con, sep = "\n")
  writeLines(do.call(paste, c(unname(as.list(out)), sep = "\t")), con, sep = "\n")
  close(con)
  message(sprintf("wrote %s (%d rows)", path, nrow(out)))
}

write_one <- function(x, name) {
  con <- file(file.path(out_dir, name), open = "wb")
  writeLines(fmt_real(x), con, sep = "\n")
  close(con)
}

# ---------------------------------------------------------------------------
# 1. Hypergeometric upper tail: pvalue = P(X >= k), X ~ Hyper(N, M, n)
#    N = population size, M = successes in population, n = draws, k = observed
# ---------------------------------------------------------------------------

# (i) deterministic grid of small cases with all edge cases
small <- list()
for (N in c(1L, 2L, 7L, 19L, 60L)) {
  Ms <- sort(unique(c(0L, 1L, N %/% 3L, N - 1L, N)))
  ns <- sort(unique(c(0L, 1L, N %/% 2L, N)))
  for (M in Ms[Ms >= 0L & Ms <= N]) {
    for (n in ns[ns >= 0L & ns <= N]) {
      kmin <- max(0L, M + n - N)
      kmax <- min(M, n)
      ks <- c(0L, 1L, kmin, kmin + 1L, (kmin + kmax) %/% 2L, kmax - 1L, kmax, M, n)
      ks <- sort(unique(ks[ks >= 0L & ks <= kmax]))  # k = M and k = n kept when in support
      for (k in ks) small[[length(small) + 1L]] <- c(N, M, n, k)
    }
  }
}
small <- do.call(rbind, small)

# (ii) realistic enrichment cases
set.seed(1)
n_real <- 110L
real <- matrix(0L, n_real, 4L)
for (i in seq_len(n_real)) {
  N <- sample(1500:20000, 1)
  M <- sample(1:500, 1)
  n <- sample(20:500, 1)
  kmax <- min(M, n)
  if (i %% 3L == 0L) {
    k <- sample(0:kmax, 1)  # anywhere in the range, includes deep tails
  } else {
    # near the bulk / moderately enriched: a random quantile plus a small shift
    k <- qhyper(runif(1), M, N - M, n) + sample(0:4, 1)
  }
  k <- as.integer(min(max(k, 0L), kmax))
  real[i, ] <- c(N, M, n, k)
}
# make sure the ends of the k range are present
real <- rbind(real,
              c(1500L, 1L, 20L, 0L), c(1500L, 1L, 20L, 1L),
              c(20000L, 500L, 500L, 0L), c(20000L, 500L, 20L, 20L),
              c(12000L, 250L, 400L, 250L), c(4159L, 169L, 300L, 12L))

# (iii) extreme tails: the p-value underflows double precision, log does not
extreme <- rbind(
  cbind(20000L, 300L, 300L, c(5L, 20L, 50L, 100L, 200L, 250L, 270L, 290L, 300L)),
  c(20000L, 500L, 500L, 500L),
  c(20000L, 500L, 500L, 100L),
  c(4159L, 169L, 300L, 150L),
  c(4159L, 169L, 300L, 60L),
  cbind(60000L, 5000L, 5000L, c(500L, 1000L, 1500L, 2000L, 3000L, 4000L, 5000L))
)

# DOSE#74 fixture: universe a..h (N = 8); set ta = {a,d,f,x,y} restricted to the
# universe = {a,d,f} (M = 3); query {a,c,d,f,x}, overlap {a,d,f} (k = 3).
#   query not restricted to universe: n = 5 -> 0.1785714
#   query restricted to universe:     n = 4 -> 0.0714286
dose74 <- rbind(c(8L, 3L, 5L, 3L), c(8L, 3L, 4L, 3L))
stopifnot(abs(phyper(2, 3, 5, 5, lower.tail = FALSE) - 0.1785714) < 1e-7,
          abs(phyper(2, 3, 5, 4, lower.tail = FALSE) - 0.0714286) < 1e-7)

hyp <- rbind(small, real, extreme, dose74)
hyp <- as.data.frame(hyp)
names(hyp) <- c("N", "M", "n", "k")
stopifnot(all(hyp$M <= hyp$N), all(hyp$n <= hyp$N), all(hyp$k <= pmin(hyp$M, hyp$n)),
          all(hyp$k >= 0))
hyp$pvalue <- phyper(hyp$k - 1, hyp$M, hyp$N - hyp$M, hyp$n, lower.tail = FALSE)
hyp$log10_pvalue <- phyper(hyp$k - 1, hyp$M, hyp$N - hyp$M, hyp$n,
                           lower.tail = FALSE, log.p = TRUE) / log(10)
stopifnot(all(hyp$pvalue >= 0 & hyp$pvalue <= 1), all(is.finite(hyp$log10_pvalue)))
write_tsv(hyp, "phyper.tsv", int_cols = c("N", "M", "n", "k"))

# ---------------------------------------------------------------------------
# 2. Multiple-testing adjustment: stats::p.adjust
# ---------------------------------------------------------------------------
set.seed(2)
p <- c(runif(150), rbeta(50, 0.1, 5))
p[c(11, 57, 123)] <- p[7]       # exact ties (uniform part)
p[c(160, 175)] <- p[155]        # exact ties (small p-values)
p[c(30, 90, 140)] <- 1          # exact ones
stopifnot(length(p) == 200, all(p >= 0 & p <= 1))
methods <- c("BH", "BY", "holm", "bonferroni", "hochberg", "hommel")
adj <- data.frame(pvalue = p)
for (m in methods) adj[[m]] <- p.adjust(p, method = m)
write_tsv(adj, "p_adjust.tsv")

# ---------------------------------------------------------------------------
# 3. Storey q-values (Bioconductor qvalue), default settings
# ---------------------------------------------------------------------------
have_qvalue <- requireNamespace("qvalue", quietly = TRUE)
if (have_qvalue) {
  q200 <- qvalue::qvalue(p)
  write_tsv(data.frame(pvalue = p, qvalue = q200$qvalues), "qvalue.tsv")
  write_one(q200$pi0, "qvalue_pi0.txt")

  set.seed(3)
  p1000 <- c(runif(800), rbeta(200, 0.2, 8))
  q1000 <- qvalue::qvalue(p1000)
  write_tsv(data.frame(pvalue = p1000, qvalue = q1000$qvalues), "qvalue_1000.tsv")
  write_one(q1000$pi0, "qvalue_1000_pi0.txt")

  write_tsv(data.frame(lambda = q200$lambda,
                       pi0_lambda_200 = q200$pi0.lambda,
                       pi0_smooth_200 = q200$pi0.smooth,
                       pi0_lambda_1000 = q1000$pi0.lambda,
                       pi0_smooth_1000 = q1000$pi0.smooth),
            "qvalue_pi0_lambda.tsv")
} else {
  message("qvalue package not installed: skipping qvalue*.tsv")
}

# ---------------------------------------------------------------------------
# 4. Fisher's exact test, one-sided (enrichment), on 2x2 tables
#    a = query & set, b = set \ query, c = query \ set, d = the rest
# ---------------------------------------------------------------------------
set.seed(4)
n_fish <- 60L
fish <- data.frame(a = integer(n_fish), b = integer(n_fish),
                   c = integer(n_fish), d = integer(n_fish))
for (i in seq_len(n_fish)) {
  if (i <= 20L) {          # small tables, zeros allowed
    cells <- sample(0:12, 4, replace = TRUE)
  } else {                 # enrichment-sized tables
    cells <- c(sample(0:60, 1), sample(1:400, 1), sample(5:500, 1), sample(1000:20000, 1))
  }
  fish[i, ] <- cells
}
fish[1, ] <- c(0L, 5L, 7L, 3L)   # a = 0
fish[2, ] <- c(6L, 0L, 0L, 9L)   # b = c = 0
fish[3, ] <- c(4L, 0L, 3L, 8L)   # b = 0
fish$fisher_greater_p <- NA_real_
fish$fisher_or_conditional_mle <- NA_real_
for (i in seq_len(n_fish)) {
  ft <- fisher.test(matrix(c(fish$a[i], fish$c[i], fish$b[i], fish$d[i]), 2),
                    alternative = "greater")
  fish$fisher_greater_p[i] <- ft$p.value
  fish$fisher_or_conditional_mle[i] <- unname(ft$estimate)
}
fish$sample_or <- (fish$a * as.numeric(fish$d)) / (fish$b * as.numeric(fish$c))
write_tsv(fish, "fisher.tsv", int_cols = c("a", "b", "c", "d"))

# ---------------------------------------------------------------------------
# 5. Versions
# ---------------------------------------------------------------------------
con <- file(file.path(out_dir, "versions.txt"), open = "wb")
writeLines(c("# generated by tests/data/reference/phyper.R",
             paste("R:", R.version.string),
             paste("qvalue:", if (have_qvalue) as.character(packageVersion("qvalue")) else "not installed")),
           con, sep = "\n")
close(con)
