// Go's strconv float formatting ('e', 'f', 'g' with a precision, or -1 for the shortest
// representation that reads back exactly), which fmt's %v, %e, %f and %g build on.

interface Digits {
  /** Significant decimal digits, no leading or trailing zeros (at least "0"). */
  digits: string;
  /** Position of the decimal point relative to the digits (Go's decimal.dp). */
  dp: number;
}

function splitExponential(s: string): Digits {
  const [mantissa, exp] = s.split("e");
  let digits = mantissa.replace(".", "").replace(/0+$/, "");
  if (digits === "") digits = "0";
  return { digits, dp: Number(exp) + 1 };
}

/** Shortest digits (JavaScript's number-to-string picks the same shortest round-trip digits). */
function shortestDigits(x: number): Digits {
  if (x === 0) return { digits: "0", dp: 1 };
  return splitExponential(x.toExponential());
}

/** Digits rounded to `n` significant digits. */
function roundedDigits(x: number, n: number): Digits {
  if (x === 0) return { digits: "0", dp: 1 };
  return splitExponential(x.toExponential(Math.min(Math.max(n - 1, 0), 100)));
}

function formatE(d: Digits, prec: number, upper: boolean): string {
  const first = d.digits[0];
  let rest = d.digits.slice(1);
  rest = rest.length >= prec ? rest.slice(0, prec) : rest + "0".repeat(prec - rest.length);
  const exp = d.digits === "0" ? 0 : d.dp - 1;
  const sign = exp < 0 ? "-" : "+";
  const expDigits = String(Math.abs(exp)).padStart(2, "0");
  return `${first}${prec > 0 ? "." + rest : ""}${upper ? "E" : "e"}${sign}${expDigits}`;
}

function formatF(d: Digits, prec: number): string {
  const digitAt = (j: number): string => (j >= 0 && j < d.digits.length ? d.digits[j] : "0");
  let intPart = "";
  if (d.dp <= 0) intPart = "0";
  else for (let j = 0; j < d.dp; j++) intPart += digitAt(j);
  let frac = "";
  for (let i = 0; i < prec; i++) frac += digitAt(d.dp + i);
  return prec > 0 ? `${intPart}.${frac}` : intPart;
}

/** Digits of x rounded to `prec` places after the decimal point. */
function fixedDigits(x: number, prec: number): Digits {
  if (x === 0) return { digits: "0", dp: 1 };
  // Beyond toFixed's range the value is integral; its shortest digits are exact enough.
  if (Math.abs(x) >= 1e21 || prec > 100) return shortestDigits(x);
  const [intPart, frac = ""] = x.toFixed(prec).split(".");
  let digits = intPart + frac;
  let dp = intPart.length;
  const leadingZeros = /^0*/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(leadingZeros).replace(/0+$/, "");
  dp -= leadingZeros;
  if (digits === "") return { digits: "0", dp: 1 };
  return { digits, dp };
}

/** strconv.FormatFloat(x, verb, prec, 64) for verbs e E f F g G. */
export function formatGoFloat(x: number, verb: "e" | "E" | "f" | "F" | "g" | "G", prec: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  const negative = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  const sign = negative ? "-" : "";
  const shortest = prec < 0;
  switch (verb) {
    case "e":
    case "E": {
      const d = shortest ? shortestDigits(abs) : roundedDigits(abs, prec + 1);
      return sign + formatE(d, shortest ? d.digits.length - 1 : prec, verb === "E");
    }
    case "f":
    case "F": {
      const d = shortest ? shortestDigits(abs) : fixedDigits(abs, prec);
      return sign + formatF(d, shortest ? Math.max(d.digits.length - d.dp, 0) : prec);
    }
    case "g":
    case "G": {
      let p = prec;
      if (p === 0) p = 1;
      const d = shortest ? shortestDigits(abs) : roundedDigits(abs, p);
      const nd = d.digits === "0" ? 1 : d.digits.length;
      if (shortest) p = nd;
      let eprec = p;
      if (eprec > nd && nd >= d.dp) eprec = nd;
      if (shortest) eprec = 6;
      const exp = d.digits === "0" ? 0 : d.dp - 1;
      if (exp < -4 || exp >= eprec) {
        return sign + formatE(d, Math.min(p, nd) - 1, verb === "G");
      }
      const places = p > d.dp ? nd : p;
      return sign + formatF(d, Math.max(places - d.dp, 0));
    }
  }
}
