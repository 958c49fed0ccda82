// The values of constants in src/, read from the TypeScript source without compiling or running
// it, for `npm run docs` (scripts/docs.mjs), which writes them into the README. A constant is
// read when it is a top-level `const` (exported or not) whose value is plain: numbers (`10_000`,
// `8 * 1024 * 1024`, `1 / 10`), strings, booleans, objects and arrays of those, `as const`, and
// other such constants of the same file. Anything else (a call, an import) is an error that
// names the file and the expression, never a guess.
import { readFileSync } from 'node:fs'
import ts from 'typescript'

const ARITHMETIC = {
  [ts.SyntaxKind.PlusToken]: (a, b) => a + b,
  [ts.SyntaxKind.MinusToken]: (a, b) => a - b,
  [ts.SyntaxKind.AsteriskToken]: (a, b) => a * b,
  [ts.SyntaxKind.SlashToken]: (a, b) => a / b,
  [ts.SyntaxKind.AsteriskAsteriskToken]: (a, b) => a ** b
}

/** The top-level constants of a TypeScript source text: `name => value`. */
export function constantsIn(text, file = 'source.ts') {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const initializers = new Map()
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue
    if (!(statement.declarationList.flags & ts.NodeFlags.Const)) continue
    for (const { name, initializer } of statement.declarationList.declarations) {
      if (ts.isIdentifier(name) && initializer) initializers.set(name.text, initializer)
    }
  }

  const fail = (node, why) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source))
    throw new Error(`${file}:${line + 1}: ${why}: ${node.getText(source)}`)
  }
  const reading = new Set()
  const constant = (name, node) => {
    const initializer = initializers.get(name)
    if (!initializer) fail(node, `no top-level const ${name}`)
    if (reading.has(name)) fail(node, `${name} is defined in terms of itself`)
    reading.add(name)
    try {
      return evaluate(initializer)
    } finally {
      reading.delete(name)
    }
  }
  const number = node => {
    const value = evaluate(node)
    if (typeof value !== 'number') fail(node, 'not a number')
    return value
  }

  function evaluate(node) {
    if (ts.isNumericLiteral(node)) return Number(node.text.replace(/_/g, ''))
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text
    if (node.kind === ts.SyntaxKind.TrueKeyword) return true
    if (node.kind === ts.SyntaxKind.FalseKeyword) return false
    if (
      ts.isParenthesizedExpression(node) ||
      ts.isAsExpression(node) ||
      ts.isSatisfiesExpression(node)
    ) {
      return evaluate(node.expression)
    }
    if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken) {
      return -number(node.operand)
    }
    if (ts.isBinaryExpression(node) && ARITHMETIC[node.operatorToken.kind]) {
      return ARITHMETIC[node.operatorToken.kind](number(node.left), number(node.right))
    }
    if (ts.isIdentifier(node)) {
      return node.text === 'Infinity' ? Infinity : constant(node.text, node)
    }
    if (ts.isPropertyAccessExpression(node)) {
      const object = evaluate(node.expression)
      if (typeof object !== 'object' || !Object.hasOwn(object, node.name.text)) {
        fail(node, 'no such property')
      }
      return object[node.name.text]
    }
    if (ts.isArrayLiteralExpression(node)) return node.elements.map(evaluate)
    if (ts.isObjectLiteralExpression(node)) {
      return Object.fromEntries(
        node.properties.map(property => {
          if (!ts.isPropertyAssignment(property)) fail(property, 'not a plain property')
          const key = property.name
          if (!ts.isIdentifier(key) && !ts.isStringLiteral(key) && !ts.isNumericLiteral(key)) {
            fail(key, 'not a plain property name')
          }
          return [key.text, evaluate(property.initializer)]
        })
      )
    }
    return fail(node, 'not a plain value')
  }

  return name => {
    if (!initializers.has(name)) throw new Error(`${file} has no top-level const ${name}.`)
    return constant(name, initializers.get(name))
  }
}

/** The value of the top-level const `name` of a TypeScript file. */
export function constantOf(file, name) {
  return constantsIn(readFileSync(file, 'utf8'), file)(name)
}
