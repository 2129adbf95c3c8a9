/**
 * The ml.js estimators autologging knows: where each comes from, how it trains, and what its
 * positional hyperparameters are called. Estimators are recognised by class name.
 */
export type TrainStyle =
  /** Trained by its constructor: `new SimpleLinearRegression(x, y, ...hyperparameters)`. */
  | 'constructor'
  /** Configured by its constructor, trained by `train(X, y)`: `new RandomForestRegression(options).train(X, y)`. */
  | 'train';

export interface EstimatorKind {
  package: string;
  style: TrainStyle;
  task: 'regression' | 'classification';
  /** Names of the constructor arguments after (x, y) that are plain values, e.g. `degree`. */
  positional?: string[];
}

const regression = (style: TrainStyle, positional?: string[]): EstimatorKind => ({
  package: 'ml-regression',
  style,
  task: 'regression',
  positional,
});

export const MLJS_ESTIMATORS: Record<string, EstimatorKind> = {
  SimpleLinearRegression: regression('constructor'),
  PolynomialRegression: regression('constructor', ['degree']),
  ExponentialRegression: regression('constructor'),
  PowerRegression: regression('constructor'),
  TheilSenRegression: regression('constructor'),
  RobustPolynomialRegression: regression('constructor', ['degree']),
  MultivariateLinearRegression: regression('constructor'),
  KernelRidgeRegression: regression('constructor'),
  RandomForestRegression: { package: 'ml-random-forest', style: 'train', task: 'regression' },
  RandomForestClassifier: { package: 'ml-random-forest', style: 'train', task: 'classification' },
  DecisionTreeRegression: { package: 'ml-cart', style: 'train', task: 'regression' },
  DecisionTreeClassifier: { package: 'ml-cart', style: 'train', task: 'classification' },
};
