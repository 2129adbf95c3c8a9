/** The parts of ml-regression (which ships no types) that the tests use. */
declare module 'ml-regression' {
  interface Regression {
    predict(x: number | number[]): number | number[];
    toJSON(): Record<string, unknown>;
  }
  export class SimpleLinearRegression implements Regression {
    constructor(x: number[], y: number[]);
    predict(x: number | number[]): number | number[];
    toJSON(): Record<string, unknown>;
    static load(json: Record<string, unknown>): SimpleLinearRegression;
  }
  export class PolynomialRegression implements Regression {
    constructor(x: number[], y: number[], degree: number);
    predict(x: number | number[]): number | number[];
    toJSON(): Record<string, unknown>;
  }
}
