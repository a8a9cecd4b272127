//! The identities of a model's parts: a parameter, a posture and a series are each named by their
//! place in the model's list of them, and that place is a [`ParameterId`], [`PostureId`] or
//! [`SeriesId`], never a bare integer, wherever one module hands it to another (expressions,
//! estimates, studies, conditions, charts). The engine's and the tally's inner loops keep plain
//! offsets into their own arrays; the sampler's columns (the uncertain parameters' order, which
//! correlations name) are plain positions in that list.

use std::ops::Index;

use serde::Serialize;

use super::{Parameter, Posture, Series};

/// A parameter of the model: its place in the model's parameters, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ParameterId(pub u32);

impl ParameterId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl Index<ParameterId> for [Parameter] {
    type Output = Parameter;

    fn index(&self, id: ParameterId) -> &Parameter {
        &self[id.index()]
    }
}

impl Index<ParameterId> for Vec<Parameter> {
    type Output = Parameter;

    fn index(&self, id: ParameterId) -> &Parameter {
        &self[id.index()]
    }
}

/// A path's parameter values, one per parameter, read by id.
impl Index<ParameterId> for [f64] {
    type Output = f64;

    fn index(&self, id: ParameterId) -> &f64 {
        &self[id.index()]
    }
}

/// A posture of the actor: its place in the model's postures, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PostureId(pub u32);

impl PostureId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl Index<PostureId> for [Posture] {
    type Output = Posture;

    fn index(&self, id: PostureId) -> &Posture {
        &self[id.index()]
    }
}

impl Index<PostureId> for Vec<Posture> {
    type Output = Posture;

    fn index(&self, id: PostureId) -> &Posture {
        &self[id.index()]
    }
}

/// A series of the model (a driver or an indicator): its place in the model's series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SeriesId(pub u32);

impl SeriesId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl Index<SeriesId> for [Series] {
    type Output = Series;

    fn index(&self, id: SeriesId) -> &Series {
        &self[id.index()]
    }
}

impl Index<SeriesId> for Vec<Series> {
    type Output = Series;

    fn index(&self, id: SeriesId) -> &Series {
        &self[id.index()]
    }
}
